import { TestClock } from '../testing/local-idp';
import { renewableToken, renewAt } from './token-renewal';

describe('renewAt', () => {
  it.each([
    [300, 270_000],
    [3600, 3_240_000],
    [40, 20_000],
  ])(
    'renews a %s s token %s ms after issue (margin 30 s, fraction 0.1, never before half its life)',
    (sec, at) => {
      expect(renewAt(0, sec, 30, 0.1)).toBe(at);
    },
  );
});

describe('renewableToken', () => {
  it('counts the lifetime from before the request left, not from when the answer came', async () => {
    const clock = new TestClock(1_000_000);
    const token = await renewableToken(clock, { refreshMarginSec: 30, refreshFraction: 0.1 }, async () => {
      clock.advance(5_000); // a slow answer
      return { accessToken: 't', expiresIn: 300 };
    });
    expect(token).toEqual({ value: 't', expiresAt: 1_000_000 + 270_000 });
  });
});
