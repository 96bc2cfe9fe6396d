import {
  AttackGroup,
  bearerAtB,
  bearerAtC,
  dpopAt,
  forbidden,
  invalid,
  onDpop,
  validProof,
} from './attack-case';

// Tokens that are forged, expired, from elsewhere or meant for someone else, and tokens that are genuine but lack
// what the route requires. Each group is one `describe` of the security suite, run in both validation modes.

/** Forged signatures and keys: what an attacker can sign without the realm's private key. */
export const SIGNATURE_ATTACKS: AttackGroup = {
  title: 'signatures and keys',
  cases: [
    {
      name: 'alg none, no signature',
      at: 'service-b',
      expected: invalid('token_algorithm_not_allowed'),
      send: bearerAtB((t) => t.algNone),
    },
    {
      name: "HS256 signed with the realm's public key PEM as HMAC secret (key confusion)",
      at: 'service-b',
      expected: invalid('token_algorithm_not_allowed'),
      send: bearerAtB((t) => t.hs256WithPem),
    },
    {
      name: "HS256 signed with the realm key's modulus bytes as HMAC secret",
      at: 'service-b',
      expected: invalid('token_algorithm_not_allowed'),
      send: bearerAtB((t) => t.hs256WithModulus),
    },
    {
      name: 'a real token with one payload byte changed (a digit of exp)',
      at: 'service-b',
      expected: invalid('token_signature_invalid'),
      send: bearerAtB((t) => t.oneByteChanged),
    },
    {
      name: 'a real token with its scope widened (orders.approve added), signature kept',
      at: 'service-b',
      expected: invalid('token_signature_invalid'),
      send: bearerAtB((t) => t.scopeWidened),
    },
    {
      name: "signed by a key the realm never had, under the realm key's kid",
      at: 'service-b',
      expected: invalid('token_signature_invalid'),
      send: bearerAtB((t) => t.foreignKeySameKid),
    },
    {
      name: 'signed by a key the realm never had, under its own kid',
      at: 'service-b',
      expected: invalid('token_key_unknown'),
      send: bearerAtB((t) => t.foreignKeyOtherKid),
    },
    {
      name: 'a real token whose kid was changed to one that does not exist',
      at: 'service-b',
      expected: invalid('token_key_unknown'),
      send: bearerAtB((t) => t.unknownKid),
    },
  ],
};

/** Tokens outside their lifetime. */
export const LIFETIME_ATTACKS: AttackGroup = {
  title: 'lifetime claims',
  cases: [
    {
      name: 'expired (a throw-away client whose tokens live 1 s, past exp + 5 s tolerance)',
      at: 'service-b',
      expected: invalid('token_expired'),
      send: bearerAtB((t) => t.expired),
    },
    {
      name: 'nbf one hour ahead (signed locally: jwt fails on the signature first)',
      at: 'service-b',
      expected: invalid({ jwt: 'token_signature_invalid', introspection: 'token_not_yet_valid' }),
      send: bearerAtB((t) => t.nbfInFuture),
    },
    {
      name: 'iat one hour ahead (signed locally: jwt fails on the signature first)',
      at: 'service-b',
      expected: invalid({ jwt: 'token_signature_invalid', introspection: 'token_issued_in_future' }),
      send: bearerAtB((t) => t.iatInFuture),
    },
  ],
};

/** Genuine tokens of the wrong issuer, audience or type. */
export const ISSUER_AUDIENCE_TYPE_ATTACKS: AttackGroup = {
  title: 'issuer, audience and token type',
  cases: [
    {
      name: 'a token of another realm on the same Keycloak (wrong iss)',
      at: 'service-b',
      expected: invalid('token_issuer_invalid'),
      send: bearerAtB((t) => t.otherRealm),
    },
    {
      name: "wrong aud: a throw-away client's token for service-c",
      at: 'service-b',
      expected: invalid('token_audience_invalid'),
      send: bearerAtB((t) => t.selfMadeForC),
    },
    {
      name: 'no aud: a client without the service-b-audience scope',
      at: 'service-b',
      expected: invalid('token_audience_invalid'),
      send: bearerAtB((t) => t.noAudience),
    },
    {
      name: 'an ID token presented as bearer',
      at: 'service-b',
      // jwt: its aud is service-a; introspection: Keycloak calls it active, the library sees typ ID.
      expected: invalid({ jwt: 'token_audience_invalid', introspection: 'token_type_invalid' }),
      send: bearerAtB((t) => t.userId),
    },
    {
      name: 'a refresh token presented as bearer',
      at: 'service-b',
      // Keycloak signs refresh tokens with HS512: refused on the algorithm in both modes (introspection mode
      // before asking Keycloak, which would call it active).
      expected: invalid('token_algorithm_not_allowed'),
      send: bearerAtB((t) => t.userRefresh),
    },
  ],
};

/** Genuine tokens used by or at the wrong service. */
export const CONFUSED_DEPUTY_ATTACKS: AttackGroup = {
  title: 'confused deputy',
  cases: [
    {
      name: "service-a's token sent straight to service-c",
      at: 'service-c',
      expected: onDpop(invalid('token_audience_invalid')),
      send: bearerAtC((t) => t.serviceA),
    },
    {
      name: "service-c's exchanged token replayed to service-b",
      at: 'service-b',
      expected: invalid('token_audience_invalid'),
      send: bearerAtB((t) => t.forC),
    },
    {
      name: "service-b's own client-credentials token at service-c",
      at: 'service-c',
      expected: onDpop(invalid('token_audience_invalid')),
      send: bearerAtC((t) => t.serviceB),
    },
    {
      name: 'a token with aud service-c and analytics.run that a client other than service-b got itself (DPoP-bound, with its proof)',
      at: 'service-c',
      expected: onDpop(forbidden('caller_not_allowed')),
      send: dpopAt((url, t) => validProof(t.dpopKey, url, t.selfMadeForCBound), 'compute'),
    },
  ],
};

/** Genuine tokens for the right service that lack the scope, role or caller the route requires. */
export const SCOPE_AND_ROLE_ATTACKS: AttackGroup = {
  title: 'scopes and roles',
  cases: [
    {
      name: 'a token for service-b without orders.read',
      at: 'service-b',
      expected: forbidden('insufficient_scope', 'orders.read'),
      send: bearerAtB((t) => t.noOrdersScope),
    },
    {
      name: "bob's token (no role orders-user) through service-a's password grant",
      at: 'service-b',
      expected: forbidden('insufficient_role'),
      send: bearerAtB((t) => t.bob),
    },
    {
      name: 'a service whose account lacks service-b:process-orders',
      at: 'service-b',
      expected: forbidden('insufficient_role'),
      send: bearerAtB((t) => t.noRole),
    },
    {
      name: 'an exchanged token without analytics.run at service-c (DPoP-bound, with its proof)',
      at: 'service-c',
      expected: onDpop(forbidden('insufficient_scope', 'analytics.run')),
      send: dpopAt((url, t) => validProof(t.dpopKey, url, t.forCBoundWithoutAnalytics), 'compute'),
    },
  ],
};
