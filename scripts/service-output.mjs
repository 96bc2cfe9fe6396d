// How `npm run stack` and `npm run stack:cluster` show what their services print: each line prefixed with the
// service's name; in a terminal, the services' JSON log lines (pino) made readable by pino-pretty — time, level,
// message, then the other fields on the same line. Piped into a file or another program, and in containers (where
// the services write to no terminal), the lines stay JSON, as log collectors expect.
import { createRequire } from 'node:module';

/** pino-pretty's formatter (a dev dependency), or null when it is not installed. */
function prettyFormatter() {
  try {
    const { prettyFactory } = createRequire(import.meta.url)('pino-pretty');
    return prettyFactory({
      colorize: true,
      singleLine: true,
      translateTime: 'HH:MM:ss.l',
      ignore: 'pid,hostname,service',
    });
  } catch {
    return null;
  }
}

/**
 * An `onOutput(name, chunk)` for the stack runners that writes to `stream`: whole lines, each prefixed with
 * `[name] `, pretty when `stream` is a terminal and pino-pretty is installed (`pretty` forces either way).
 */
export function serviceOutput(stream = process.stdout, { pretty = stream.isTTY === true } = {}) {
  const format = pretty ? prettyFormatter() : null;
  const partial = new Map();
  return (name, chunk) => {
    const lines = `${partial.get(name) ?? ''}${chunk}`.split('\n');
    partial.set(name, lines.pop());
    for (const line of lines) {
      if (line === '') continue;
      const shown = format && line.startsWith('{') ? format(line).trimEnd() : line;
      stream.write(`[${name}] ${shown}\n`);
    }
  };
}
