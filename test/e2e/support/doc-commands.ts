/**
 * The shell commands a guide shows in its ```bash blocks, as argument lists, so that a test runs the guide's own
 * commands and the guide cannot drift from what works. A command may continue over lines ending in `\`; `#`
 * starts a comment; arguments are separated by blanks (the guides quote nothing).
 */
export function bashCommands(markdown: string): string[][] {
  const commands: string[][] = [];
  let inBlock = false;
  let pending = '';
  for (const raw of markdown.split('\n')) {
    if (!inBlock) {
      inBlock = /^\s*```(bash|sh|shell)\s*$/.test(raw);
      continue;
    }
    if (/^\s*```\s*$/.test(raw)) {
      if (pending.trim()) throw new Error(`a command continued past the end of its block: ${pending.trim()}`);
      inBlock = false;
      continue;
    }
    const line = raw.replace(/(^|\s)#.*$/, '');
    const continued = /\\\s*$/.test(line);
    pending += ` ${line.replace(/\\\s*$/, '')}`;
    if (continued) continue;
    const words = pending.trim().split(/\s+/).filter(Boolean);
    pending = '';
    if (words.some((w) => /["'`$]/.test(w)))
      throw new Error(
        `a guide command with quotes or variables, which this reader does not run: ${words.join(' ')}`,
      );
    if (words.length) commands.push(words);
  }
  if (inBlock) throw new Error('an unclosed ```bash block');
  return commands;
}

/** The arguments of the guide's `npm run realm -- …` commands (what follows `--`). */
export function realmCliCommands(markdown: string): string[][] {
  return bashCommands(markdown)
    .filter((words) => words.slice(0, 4).join(' ') === 'npm run realm --')
    .map((words) => words.slice(4));
}
