import { hash } from 'node:crypto';
import { InvalidDpopProofError, InvalidTokenError } from '../core/errors';
import { principalFromClaims } from '../core/principal';
import {
  AuthenticatedRequest,
  extractCredential,
  keepVerifiedToken,
  rememberBearerToken,
  requestCredential,
  verifiedBearerToken,
  verifiedTokenDigest,
} from './bearer-token';

/** A request whose Authorization and DPoP headers count how often they are read. */
function countingRequest(headers: Record<string, string>, rawHeaders?: string[]) {
  const reads = { authorization: 0, dpop: 0 };
  const request: AuthenticatedRequest = {
    headers: new Proxy(headers, {
      get(target, name: string) {
        if (name === 'authorization' || name === 'dpop') reads[name]++;
        return target[name];
      },
    }),
    rawHeaders: rawHeaders ?? Object.entries(headers).flat(),
  };
  return { request, reads };
}

describe('the credential state of a request', () => {
  it('reads the Authorization and DPoP headers once, however many parts of the library ask', () => {
    const { request, reads } = countingRequest({ authorization: 'DPoP abc.def.ghi', dpop: 'proof' });
    for (let i = 0; i < 3; i++) {
      const state = requestCredential(request);
      expect(state.scheme).toBe('DPoP');
      expect(state.usual).toEqual({ scheme: 'DPoP', token: 'abc.def.ghi' });
      expect(extractCredential(request)).toEqual({ scheme: 'DPoP', token: 'abc.def.ghi' });
      expect(state.proof).toBe('proof');
    }
    expect(requestCredential(request)).toBe(requestCredential(request));
    expect(reads).toEqual({ authorization: 1, dpop: 1 });
  });

  it.each([
    [{}, 'token_missing'],
    [{ authorization: '' }, 'token_missing'],
    [{ authorization: 'Basic dXNlcjpwdw==' }, 'token_malformed'],
    [{ authorization: 'Bearer' }, 'token_malformed'],
    [{ authorization: 'Bearer a b' }, 'token_malformed'],
  ])('refuses %j with %s', (headers, code) => {
    const { request } = countingRequest(headers);
    const { credential } = requestCredential(request);
    expect(credential).toBeInstanceOf(InvalidTokenError);
    expect((credential as InvalidTokenError).code).toBe(code);
    expect(() => extractCredential(request)).toThrow(credential as InvalidTokenError);
  });

  it('refuses a second Authorization or DPoP header line, which Node keeps out of `headers`', () => {
    const { request } = countingRequest({ authorization: 'Bearer a.b.c', dpop: 'p1' }, [
      'Authorization',
      'Bearer a.b.c',
      'authorization',
      'Bearer x.y.z',
      'DPoP',
      'p1',
      'dpop',
      'p2',
    ]);
    const state = requestCredential(request);
    expect((state.credential as InvalidTokenError).message).toBe('more than one Authorization header');
    expect(state.usual).toBeUndefined();
    expect((state.proof as InvalidDpopProofError).code).toBe('dpop_proof_malformed');
  });

  it('names the presented scheme for the challenge even when the credential is malformed', () => {
    expect(requestCredential(countingRequest({ authorization: 'bearer a b' }).request).scheme).toBe('Bearer');
    expect(requestCredential(countingRequest({ authorization: 'Basic x' }).request).scheme).toBeUndefined();
    expect(requestCredential(countingRequest({}).request).presented).toBe(false);
  });

  it('keeps the verified token with the state, for the exchange later in the request', () => {
    const { request } = countingRequest({ authorization: 'Bearer a.b.c' });
    expect(verifiedBearerToken(request)).toBeUndefined();
    rememberBearerToken(request, 'a.b.c');
    expect(verifiedBearerToken(request)).toBe('a.b.c');
    expect(requestCredential(request).verifiedToken).toBe('a.b.c');
    const bare = {};
    rememberBearerToken(bare, 't');
    expect(verifiedBearerToken(bare)).toBe('t');
  });
});

describe('a verified token kept with its principal (the hot path of a token verified before)', () => {
  const sha256 = (token: string) => hash('sha256', token, 'base64url');
  const accepted = (principal: ReturnType<typeof principalFromClaims>, token: string) => {
    const request: AuthenticatedRequest = { headers: { authorization: `Bearer ${token}` }, principal };
    keepVerifiedToken(request, principal, token);
    return request;
  };

  it('gives every request of that principal its token and digest, with no state per request', () => {
    const principal = principalFromClaims({ sub: 'svc', azp: 'service-a', exp: 2_000_000_000 });
    const first = accepted(principal, 'a.b.c');
    const second = accepted(principal, 'a.b.c');
    for (const request of [first, second]) {
      expect(verifiedBearerToken(request)).toBe('a.b.c');
      expect(verifiedTokenDigest(request)).toBe(sha256('a.b.c'));
    }
    // Nothing was kept per request: the token is found through the principal only.
    expect(verifiedBearerToken({ ...second, principal: undefined })).toBeUndefined();
    expect(verifiedBearerToken({ headers: {} })).toBeUndefined();
  });

  it("never hands one request another's token: a principal met with two tokens keeps none of them", () => {
    const shared = principalFromClaims({ sub: 'svc', azp: 'service-a', exp: 2_000_000_000 });
    const first = accepted(shared, 'token.one.x');
    const second = accepted(shared, 'token.two.y');
    // The second request keeps its own token; the first no longer finds one (refused later, never confused).
    expect(verifiedBearerToken(second)).toBe('token.two.y');
    expect(verifiedTokenDigest(second)).toBe(sha256('token.two.y'));
    expect(verifiedBearerToken(first)).toBeUndefined();
    expect(verifiedTokenDigest(first)).toBeUndefined();
    const third = accepted(shared, 'token.one.x');
    expect(verifiedBearerToken(third)).toBe('token.one.x');
    expect(verifiedBearerToken(second)).toBe('token.two.y');
  });

  it("prefers the request's own verified token (the full path keeps it per request)", () => {
    const principal = principalFromClaims({ sub: 'svc', azp: 'service-a', exp: 2_000_000_000 });
    accepted(principal, 'a.b.c');
    const request: AuthenticatedRequest = { headers: {}, principal };
    rememberBearerToken(request, 'a.b.c');
    expect(verifiedBearerToken(request)).toBe('a.b.c');
    expect(verifiedTokenDigest(request)).toBe(sha256('a.b.c'));
  });
});
