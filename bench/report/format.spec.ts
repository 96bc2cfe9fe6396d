import { count, fixed, table, times } from './format';

describe('bench report formatting', () => {
  it('numbers: fixed decimals, thousands separated, multiples, a dash for none', () => {
    expect(fixed(12.345, 1)).toBe('12.3');
    expect(fixed(undefined)).toBe('–');
    expect(fixed(Number.POSITIVE_INFINITY)).toBe('–');
    expect(count(1234567.6)).toBe('1 234 568');
    expect(count(999)).toBe('999');
    expect(count(undefined)).toBe('–');
    expect(times(0.9349)).toBe('0.93×');
    expect(times(undefined)).toBe('–');
  });

  it('a markdown table has a header, a separator and one line per row', () => {
    expect(
      table(
        ['a', 'b'],
        [
          ['1', '2'],
          ['3', '4'],
        ],
      ),
    ).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |');
  });

  it('refuses a cell that would break the table', () => {
    expect(() => table(['a'], [['x | y']])).toThrow('cannot contain "|"');
  });
});
