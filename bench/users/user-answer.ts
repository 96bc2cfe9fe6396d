/** What service-b's `POST /api/process` is sent in every request of the users part. */
export const ORDER = { order_id: 4321, amount: 250, value: 21 };

interface Hop {
  service?: unknown;
  sub?: unknown;
  azp?: unknown;
  aud?: unknown;
}

/**
 * What is wrong with service-b's answer for a user's token (none: it is right): service-c computed, and both hops
 * saw that user (`sub`), service-c through service-b's exchanged token. Checked before every run's load, so that a
 * fast run of refusals can never pass for a result.
 */
export function userAnswerProblems(status: number, body: unknown, sub: string): string[] {
  if (status !== 200) return [`status ${status}, body ${JSON.stringify(body)?.slice(0, 300)}`];
  const answer = (body ?? {}) as { service_c?: { result?: unknown }; hops?: Hop[] };
  const problems: string[] = [];
  if (answer.service_c?.result !== ORDER.value * 2)
    problems.push(`service_c.result is ${String(answer.service_c?.result)}, not ${ORDER.value * 2}`);
  const hops = Array.isArray(answer.hops) ? answer.hops : [];
  if (hops.length !== 2 || hops[0].service !== 'service-b' || hops[1].service !== 'service-c')
    return [
      ...problems,
      `hops are not service-b then service-c: ${JSON.stringify(answer.hops)?.slice(0, 300)}`,
    ];
  const [b, c] = hops;
  if (b.sub !== sub || c.sub !== sub)
    problems.push(`the hops saw subjects ${String(b.sub)} and ${String(c.sub)}, not ${sub}`);
  if (c.azp !== 'service-b') problems.push(`service-c saw azp ${String(c.azp)}, not service-b`);
  if (!Array.isArray(c.aud) || !c.aud.includes('service-c')) problems.push('service-c saw no aud service-c');
  return problems;
}
