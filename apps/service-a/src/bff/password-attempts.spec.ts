import { TooManyRequestsException } from '@app/service-runtime';
import { MAX_FAILURES, PasswordAttemptLimiter } from './password-attempts';

const WRONG = new Error('invalid_grant');
const isWrong = (error: unknown) => error === WRONG;

describe('PasswordAttemptLimiter', () => {
  let now: number;
  let limiter: PasswordAttemptLimiter;
  let sent: number;

  beforeEach(() => {
    now = 1_000_000;
    limiter = new PasswordAttemptLimiter(() => now);
    sent = 0;
  });

  const attempt = (username: string, ok: boolean) =>
    limiter.run(
      username,
      async () => {
        sent += 1;
        if (!ok) throw WRONG;
        return 'tokens';
      },
      isWrong,
    );
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('the attempt was let through');
      },
      (error: unknown) => error as TooManyRequestsException,
    );

  it(`after ${MAX_FAILURES} failures, refuses the username until the window is over; a success clears it`, async () => {
    for (let i = 0; i < MAX_FAILURES; i++) {
      await expect(attempt('carol', false)).rejects.toBe(WRONG);
      now += 1_000;
    }
    const refused = await refusal(attempt('carol', true));
    expect(refused).toBeInstanceOf(TooManyRequestsException);
    expect(refused.retryAfterSec).toBe(12 * 3600 - MAX_FAILURES);
    expect(sent).toBe(MAX_FAILURES);
    // Other usernames are not affected.
    await expect(attempt('dave', true)).resolves.toBe('tokens');

    now += 12 * 3600 * 1000;
    await expect(attempt('carol', true)).resolves.toBe('tokens');
    await expect(attempt('carol', false)).rejects.toBe(WRONG);
    now += 1_000;
    await expect(attempt('carol', true)).resolves.toBe('tokens');
    // The success cleared the count: the next failure is the first again.
    for (let i = 0; i < MAX_FAILURES - 1; i++) {
      await expect(attempt('carol', false)).rejects.toBe(WRONG);
      now += 1_000;
    }
    await expect(attempt('carol', false)).rejects.toBe(WRONG);
  });

  it('refuses the next attempt for a second after a failure, not after a success', async () => {
    await expect(attempt('erin', true)).resolves.toBe('tokens');
    await expect(attempt('erin', true)).resolves.toBe('tokens');
    await expect(attempt('erin', false)).rejects.toBe(WRONG);
    now += 999;
    expect((await refusal(attempt('erin', true))).retryAfterSec).toBe(1);
    now += 1;
    await expect(attempt('erin', true)).resolves.toBe('tokens');
    expect(sent).toBe(4);
  });

  it('does not count an error that is not a wrong password (Keycloak down)', async () => {
    const down = new Error('503');
    for (let i = 0; i < MAX_FAILURES + 2; i++)
      await expect(limiter.run('frank', () => Promise.reject(down), isWrong)).rejects.toBe(down);
    await expect(attempt('frank', true)).resolves.toBe('tokens');
  });
});
