import { ORDER, userAnswerProblems } from './user-answer';

const good = {
  service_c: { result: ORDER.value * 2 },
  hops: [
    { service: 'service-b', sub: 'u-1', azp: 'bench-users-login', aud: 'service-b' },
    { service: 'service-c', sub: 'u-1', azp: 'service-b', aud: ['service-c'] },
  ],
};

describe('userAnswerProblems', () => {
  it('none for service-c’s result with the user at both hops', () => {
    expect(userAnswerProblems(200, good, 'u-1')).toEqual([]);
  });

  it('names a refusal, another subject, a missing exchange and a wrong result', () => {
    expect(userAnswerProblems(401, { error: 'invalid_token' }, 'u-1')[0]).toMatch(/^status 401/);
    expect(userAnswerProblems(200, good, 'u-2')).toEqual(['the hops saw subjects u-1 and u-1, not u-2']);
    const unexchanged = {
      ...good,
      hops: [good.hops[0], { ...good.hops[1], azp: 'bench-users-login', aud: 'service-b' }],
    };
    expect(userAnswerProblems(200, unexchanged, 'u-1')).toEqual([
      'service-c saw azp bench-users-login, not service-b',
      'service-c saw no aud service-c',
    ]);
    expect(userAnswerProblems(200, { ...good, service_c: { result: 1 } }, 'u-1')).toEqual([
      `service_c.result is 1, not ${ORDER.value * 2}`,
    ]);
    expect(userAnswerProblems(200, { hops: [] }, 'u-1')[1]).toMatch(/^hops are not/);
  });
});
