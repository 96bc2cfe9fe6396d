import { InvalidDpopProofError, InvalidTokenError } from '../core/errors';
import {
  AuthenticatedRequest,
  extractCredential,
  rememberBearerToken,
  requestCredential,
  verifiedBearerToken,
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
