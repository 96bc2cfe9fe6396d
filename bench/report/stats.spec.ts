import { mean, median, percentile, perRequest, ratio, sum } from './stats';

describe('bench statistics', () => {
  it('ratio divides by the base, and has no value without a positive base', () => {
    expect(ratio(900, 1000)).toBe(0.9);
    expect(ratio(5, 0)).toBeUndefined();
    expect(ratio(5, undefined)).toBeUndefined();
    expect(ratio(Number.NaN, 10)).toBeUndefined();
  });

  it('perRequest is undefined, not 0, when nothing was requested', () => {
    expect(perRequest(4, 1)).toBe(4);
    expect(perRequest(3, 10_000)).toBe(0.0003);
    expect(perRequest(0, 0)).toBeUndefined();
  });

  it('percentile takes the nearest rank, whatever the input order', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 5)).toBe(15);
    expect(percentile(values, 30)).toBe(20);
    expect(percentile(values, 40)).toBe(20);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('percentile refuses a rank outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('median takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  it('mean and sum', () => {
    expect(mean([1, 2, 6])).toBe(3);
    expect(mean([])).toBeUndefined();
    expect(sum([1, 2, 6])).toBe(9);
    expect(sum([])).toBe(0);
  });
});
