import { challengesOn401, CorrectnessResult, refused, rfc6750Challenge, withAlgNone } from './correctness';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the correctness probes', () => {
  it('rewrites a token to alg none: same claims, no signature', () => {
    const payload = b64({ sub: 'x', aud: 'service-b' });
    const forged = withAlgNone(`${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${payload}.c2lnbmF0dXJl`);
    const [header, claims, signature] = forged.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'none',
      kid: 'k1',
      typ: 'JWT',
    });
    expect(claims).toBe(payload);
    expect(signature).toBe('');
    expect(() => withAlgNone('not-a-jwt')).toThrow('not a JWS compact serialization');
  });

  it('counts 401 and 403 as refusals, nothing else', () => {
    expect([200, 400, 401, 403, 500].map((status) => refused({ status }))).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
    expect(refused(undefined)).toBe(false);
  });

  it('takes a 401 with a Bearer or DPoP challenge as RFC 6750, and not a 401 without one', () => {
    expect(
      rfc6750Challenge({ status: 401, wwwAuthenticate: 'Bearer realm="s2s", error="invalid_token"' }),
    ).toBe(true);
    expect(rfc6750Challenge({ status: 401, wwwAuthenticate: 'DPoP algs="ES256"' })).toBe(true);
    expect(rfc6750Challenge({ status: 401, wwwAuthenticate: 'Basic realm="x"' })).toBe(false);
    expect(rfc6750Challenge({ status: 401, wwwAuthenticate: 'Bearerish' })).toBe(false);
    expect(rfc6750Challenge({ status: 401 })).toBe(false);
    expect(rfc6750Challenge({ status: 403, wwwAuthenticate: 'Bearer error="insufficient_scope"' })).toBe(
      false,
    );
  });

  it('wants a challenge on every 401 of the bad probes', () => {
    const bearer = { status: 401, wwwAuthenticate: 'Bearer realm="s2s"' };
    const result: CorrectnessResult = {
      valid: { status: 200 },
      noToken: bearer,
      otherAudience: bearer,
      algNone: bearer,
      expired: bearer,
    };
    expect(challengesOn401(result)).toBe(true);
    expect(challengesOn401({ ...result, expired: { status: 401 } })).toBe(false);
    const neverUnauthorized = { status: 403 };
    expect(
      challengesOn401({
        ...result,
        noToken: neverUnauthorized,
        otherAudience: neverUnauthorized,
        algNone: neverUnauthorized,
        expired: neverUnauthorized,
      }),
    ).toBe(false);
  });
});
