import { send } from './attack-http';
import {
  AttackGroup,
  bearerAtB,
  bearerAtC,
  DPOP_ALGS,
  dpopAt,
  dpopRefused,
  noCredentials,
  ORDER,
  validProof,
} from './attack-case';
import { craftedProof } from './forged-proofs';

// DPoP (RFC 9449): the service-b → service-c hop is bound to service-b's key, service-b's quote route requires a
// bound token, and no bound token passes as a bearer token. The test holds the key the bound tokens are bound to
// (`dpopKey`, as service-b holds its own), so each case changes one thing of a request that would otherwise pass.

/** service-b's DPoP-only route (it does not exchange). */
const QUOTE = '/api/quote';

/** Proofs and tokens that are wrong in one way, at the last hop and at service-b's routes. */
export const DPOP_ATTACKS: AttackGroup = {
  title: 'DPoP (RFC 9449) sender-constrained tokens',
  cases: [
    {
      name: 'a captured exchanged (DPoP-bound) token replayed as a plain bearer token',
      at: 'service-c',
      expected: dpopRefused('dpop_bound_token_as_bearer', 'invalid_token'),
      send: bearerAtC((t) => t.forCBound),
    },
    {
      name: 'a captured exchanged token with a valid proof of another key (the attacker’s own)',
      at: 'service-c',
      expected: dpopRefused('dpop_key_mismatch', 'invalid_token'),
      send: dpopAt((url, t) => validProof(t.otherDpopKey, url, t.forCBound), 'compute'),
    },
    {
      name: 'a captured proof sent again (same jti) with its token',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_replayed'),
      send: async (url, t) => {
        const { proof } = await validProof(t.dpopKey, url, t.forCBound);
        const request = { authorization: `DPoP ${t.forCBound}`, dpop: proof, body: '{"value": 1}' };
        const first = await send(url, request);
        if (first.status !== 200) throw new Error(`the proof's first use was refused: ${first.status}`);
        return send(url, request);
      },
    },
    {
      name: 'a proof for another method (htm GET)',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_method_mismatch'),
      send: dpopAt(
        async (url, t) => ({
          token: t.forCBound,
          proof: await craftedProof(t.dpopKey, url, t.forCBound, { claims: { htm: 'GET' } }),
        }),
        'compute',
      ),
    },
    {
      name: 'a proof for another URI (htu of service-b’s /api/process)',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_uri_mismatch'),
      send: dpopAt(
        async (url, t) => ({
          token: t.forCBound,
          proof: await craftedProof(t.dpopKey, new URL('/api/process', url).toString(), t.forCBound),
        }),
        'compute',
      ),
    },
    {
      name: 'a proof whose iat is 5 minutes old',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_stale'),
      send: dpopAt(
        async (url, t) => ({
          token: t.forCBound,
          proof: await craftedProof(t.dpopKey, url, t.forCBound, {
            claims: { iat: Math.floor(Date.now() / 1000) - 300 },
          }),
        }),
        'compute',
      ),
    },
    {
      name: 'a proof without ath',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_ath_mismatch'),
      send: dpopAt(
        async (url, t) => ({
          token: t.forCBound,
          proof: await craftedProof(t.dpopKey, url, t.forCBound, { claims: { ath: undefined } }),
        }),
        'compute',
      ),
    },
    {
      name: 'a proof whose ath is another token’s',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_ath_mismatch'),
      send: dpopAt(
        async (url, t) => ({
          token: t.forCBound,
          proof: await craftedProof(t.dpopKey, url, t.forCBoundWithoutAnalytics),
        }),
        'compute',
      ),
    },
    {
      name: 'a proof with alg none (unsigned)',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_algorithm_not_allowed'),
      send: dpopAt(
        async (url, t) => ({
          token: t.forCBound,
          proof: await craftedProof(t.dpopKey, url, t.forCBound, { sign: 'none' }),
        }),
        'compute',
      ),
    },
    {
      name: 'a proof signed HS256 (a MAC)',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_algorithm_not_allowed'),
      send: dpopAt(
        async (url, t) => ({
          token: t.forCBound,
          proof: await craftedProof(t.dpopKey, url, t.forCBound, { sign: 'HS256' }),
        }),
        'compute',
      ),
    },
    {
      name: 'a proof without jwk in its header',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_malformed'),
      send: dpopAt(
        async (url, t) => ({
          token: t.forCBound,
          proof: await craftedProof(t.dpopKey, url, t.forCBound, { header: { jwk: undefined } }),
        }),
        'compute',
      ),
    },
    {
      name: 'a proof with typ JWT instead of dpop+jwt',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_malformed'),
      send: dpopAt(
        async (url, t) => ({
          token: t.forCBound,
          proof: await craftedProof(t.dpopKey, url, t.forCBound, { header: { typ: 'JWT' } }),
        }),
        'compute',
      ),
    },
    {
      name: 'a bound token under the DPoP scheme without any DPoP header',
      at: 'service-c',
      expected: dpopRefused('dpop_proof_missing'),
      send: dpopAt(async (_url, t) => ({ token: t.forCBound }), 'compute'),
    },
    {
      name: 'an unbound exchanged token as a bearer token at service-c (it requires DPoP)',
      at: 'service-c',
      expected: dpopRefused('dpop_required', 'invalid_token'),
      send: bearerAtC((t) => t.forC),
    },
    {
      name: 'an unbound exchanged token under the DPoP scheme, with a proof',
      at: 'service-c',
      expected: dpopRefused('dpop_token_not_bound', 'invalid_token'),
      send: dpopAt((url, t) => validProof(t.dpopKey, url, t.forC), 'compute'),
    },
    {
      name: 'no credentials at service-c: only the DPoP challenge, no error code (RFC 6750 §3.1)',
      at: 'service-c',
      expected: noCredentials(`DPoP realm="s2s", ${DPOP_ALGS}`),
      send: (url) => send(url, { body: '{"value": 1}' }),
    },
    {
      name: "service-a's DPoP-bound token as a bearer token at service-b's /api/process",
      at: 'service-b',
      expected: dpopRefused('dpop_bound_token_as_bearer', 'invalid_token'),
      send: bearerAtB((t) => t.serviceABound),
    },
    {
      name: "service-a's DPoP-bound token with its proof at /api/process: Keycloak exchanges no bound token",
      at: 'service-b',
      expected: dpopRefused('exchange_subject_rejected', 'invalid_token'),
      send: dpopAt((url, t) => validProof(t.dpopKey, url, t.serviceABound), 'order'),
    },
    {
      name: "service-a's bearer token at service-b's DPoP-only quote route",
      at: 'service-b',
      expected: dpopRefused('dpop_required', 'invalid_token'),
      send: (url, t) =>
        send(new URL(QUOTE, url).toString(), { authorization: `Bearer ${t.serviceA}`, body: ORDER }),
    },
    {
      name: "service-a's bound token with a proof of another key at the quote route",
      at: 'service-b',
      expected: dpopRefused('dpop_key_mismatch', 'invalid_token'),
      send: dpopAt((url, t) => validProof(t.otherDpopKey, url, t.serviceABound), 'order', QUOTE),
    },
    {
      name: 'no credentials at the quote route: only the DPoP challenge, no error code',
      at: 'service-b',
      expected: noCredentials(`DPoP realm="s2s", ${DPOP_ALGS}`),
      send: (url) => send(new URL(QUOTE, url).toString(), { body: ORDER }),
    },
  ],
};
