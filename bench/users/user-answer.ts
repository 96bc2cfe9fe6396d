import { answerHops, exchangedHopProblems } from '../chain/scenarios';

/** What service-b's `POST /api/process` is sent in every request of the users part. */
export const ORDER = { order_id: 4321, amount: 250, value: 21 };

/**
 * What is wrong with service-b's answer for a user's token (none: it is right): service-c computed, and both hops
 * saw that user (`sub`), service-c through service-b's exchanged token. Checked before every run's load, so that a
 * fast run of refusals can never pass for a result.
 */
export function userAnswerProblems(status: number, body: unknown, sub: string): string[] {
  const { problems, hops } = answerHops(status, body, ORDER.value);
  if (!hops) return problems;
  const [b, c] = hops;
  if (b.sub !== sub || c.sub !== sub)
    problems.push(`the hops saw subjects ${String(b.sub)} and ${String(c.sub)}, not ${sub}`);
  problems.push(...exchangedHopProblems(c));
  return problems;
}
