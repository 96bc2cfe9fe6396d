import {
  CLIENT_CONFIGURATION_CODES,
  ERROR_ANSWERS,
  IDP_UNAVAILABLE_CODES,
  INSUFFICIENT_SCOPE_CODES,
  INVALID_DPOP_PROOF_CODES,
  INVALID_TOKEN_CODES,
  KEYCLOAK_AUTH_ERROR_CODES,
  RATE_LIMIT_CODES,
  STORE_UNAVAILABLE_CODES,
  TOKEN_ENDPOINT_CODES,
} from './error-codes';
import {
  ClientConfigurationError,
  IdentityProviderUnavailableError,
  InsufficientScopeError,
  IntrospectionRateLimitedError,
  InvalidDpopProofError,
  InvalidTokenError,
  KeycloakAuthError,
  StoreUnavailableError,
  TokenEndpointError,
} from './errors';

const FAMILIES = [
  INVALID_TOKEN_CODES,
  INVALID_DPOP_PROOF_CODES,
  INSUFFICIENT_SCOPE_CODES,
  IDP_UNAVAILABLE_CODES,
  CLIENT_CONFIGURATION_CODES,
  RATE_LIMIT_CODES,
  STORE_UNAVAILABLE_CODES,
  TOKEN_ENDPOINT_CODES,
];

/** One error of each code, made by its family's class. */
function errorOf(code: string): KeycloakAuthError {
  const is = (family: readonly string[]) => family.includes(code);
  if (is(INVALID_TOKEN_CODES)) return new InvalidTokenError(code as never, 'why');
  if (is(INVALID_DPOP_PROOF_CODES)) return new InvalidDpopProofError(code as never, 'why');
  if (is(INSUFFICIENT_SCOPE_CODES)) return new InsufficientScopeError(code as never, 'why');
  if (is(IDP_UNAVAILABLE_CODES)) return new IdentityProviderUnavailableError('why');
  if (is(CLIENT_CONFIGURATION_CODES)) return new ClientConfigurationError('why');
  if (is(RATE_LIMIT_CODES)) return new IntrospectionRateLimitedError('why', 1);
  if (is(STORE_UNAVAILABLE_CODES)) return new StoreUnavailableError(code as never, 'why');
  return new TokenEndpointError(code as never, 'why', 'some_error');
}

describe('error codes in families', () => {
  it('puts every code in exactly one family, and no family holds a code the list lacks', () => {
    const all = FAMILIES.flat();
    expect([...all].sort()).toEqual([...KEYCLOAK_AUTH_ERROR_CODES].sort());
    expect(new Set(all).size).toBe(all.length);
  });

  it.each(KEYCLOAK_AUTH_ERROR_CODES)(
    'answers %s with the status, error and challenge of the one table',
    (code) => {
      const error = errorOf(code);
      const answer = ERROR_ANSWERS[code];
      expect(error.code).toBe(code);
      expect(error.getStatus()).toBe(answer.status);
      expect(error.getResponse()).toEqual({
        statusCode: answer.status,
        error: answer.error,
        message: 'why',
        code,
      });
      expect(error.bearerError).toBe(answer.challenge);
      expect(error.wwwAuthenticate('s2s') === undefined).toBe(answer.challenge === undefined);
    },
  );

  it('keeps the statuses users already see for the chain', () => {
    expect(ERROR_ANSWERS.exchange_subject_rejected.status).toBe(401);
    expect(ERROR_ANSWERS.exchange_denied.status).toBe(403);
    expect(ERROR_ANSWERS.exchange_failed.status).toBe(502);
    expect(ERROR_ANSWERS.client_credentials_failed.status).toBe(502);
    expect(ERROR_ANSWERS.idp_rejected_client).toEqual({ status: 503, error: 'idp_unavailable' });
    expect(ERROR_ANSWERS.introspection_rate_limited.status).toBe(429);
    expect(ERROR_ANSWERS.replay_store_unavailable).toEqual({ status: 503, error: 'store_unavailable' });
    expect(ERROR_ANSWERS.counter_store_unavailable).toEqual({ status: 503, error: 'store_unavailable' });
  });
});
