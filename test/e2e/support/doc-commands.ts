/**
 * The words of one command line as a POSIX shell splits them, for the simple lines the guides write: blanks
 * separate words, '…' quotes literally; double quotes, `$`, backquotes and backslashes are refused (they would need
 * a shell to mean what they say), and `#` at the start of a word begins a comment.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`an unclosed quote in a guide command: ${line.trim()}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) break;
    else if ('"$`\\'.includes(c))
      throw new Error(
        `a guide command with double quotes, variables or escapes, which this reader does not run: ${line.trim()}`,
      );
    else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * The shell commands a guide shows in its ```bash blocks, as argument lists, so that a test runs the guide's own
 * commands and the guide cannot drift from what works. A command may continue over lines ending in `\`; words
 * are split as {@link shellWords} says.
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
    const continued = /\\\s*$/.test(raw);
    pending += ` ${raw.replace(/\\\s*$/, '')}`;
    if (continued) continue;
    const words = shellWords(pending);
    pending = '';
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
