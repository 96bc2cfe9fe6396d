/** Source of the current time in milliseconds; injected so tests can drive expiry without waiting. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
