import { roundRobin } from './round-robin';

describe('roundRobin', () => {
  it('gives every item once per pass, in order, and starts over', () => {
    const next = roundRobin(['a', 'b', 'c']);
    expect(Array.from({ length: 7 }, next)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('one item is always that item', () => {
    const next = roundRobin(['only']);
    expect([next(), next(), next()]).toEqual(['only', 'only', 'only']);
  });

  it('refuses no items', () => {
    expect(() => roundRobin([])).toThrow(RangeError);
  });
});
