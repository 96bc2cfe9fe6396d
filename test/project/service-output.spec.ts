import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';

/** scripts/service-output.mjs, typed as far as this test uses it (a plain ES module). */
interface ServiceOutputModule {
  serviceOutput(
    stream: NodeJS.WritableStream,
    options?: { pretty?: boolean },
  ): (name: string, chunk: string) => void;
}

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

const line = JSON.stringify({
  level: 30,
  time: 1796583868314,
  service: 'service-b',
  msg: 'chain answered',
  status: 200,
});

describe("the stack runners' service output (scripts/service-output.mjs)", () => {
  let serviceOutput: ServiceOutputModule['serviceOutput'];
  beforeAll(async () => {
    ({ serviceOutput } = (await import(
      join(__dirname, '..', '..', 'scripts', 'service-output.mjs')
    )) as ServiceOutputModule);
  });

  it('keeps JSON lines as they are when the output is not a terminal, each prefixed with its service', () => {
    const out = collector();
    const write = serviceOutput(out.stream, { pretty: false });
    write('service-b', `${line}\nplain`);
    write('service-c', 'other\n');
    write('service-b', ' text\n');
    expect(out.text()).toBe(`[service-b] ${line}\n[service-c] other\n[service-b] plain text\n`);
  });

  it('in a terminal, shows a JSON line as time, level, message and the other fields on one line', () => {
    const out = collector();
    serviceOutput(out.stream, { pretty: true })('service-b', `${line}\nnot json\n`);
    const [pretty, plain] = out.text().split('\n');
    // Colours aside: no JSON object left, the message and the extra field readable.
    const visible = stripVTControlCharacters(pretty);
    expect(visible).toMatch(
      /^\[service-b\] \[\d\d:\d\d:\d\d\.\d{3}\] INFO: chain answered \{"status":200\}$/,
    );
    expect(plain).toBe('[service-b] not json');
  });

  it('is a terminal exactly when the stream says so', () => {
    const out = collector();
    Object.assign(out.stream, { isTTY: true });
    serviceOutput(out.stream)('service-a', `${line}\n`);
    expect(out.text()).not.toContain('"level"');
  });
});
