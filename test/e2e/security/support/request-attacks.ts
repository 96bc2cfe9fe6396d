import { send, sendRaw } from './attack-http';
import { AttackGroup, bodyAtB, DPOP_ALGS, invalid, noCredentials, ORDER, refusedBody } from './attack-case';

// Attacks on the shape of the request rather than on the token: the Authorization header itself, and bodies.

/** How the credential travels: missing, malformed, duplicated, or somewhere other than the header. */
export const HEADER_ATTACKS: AttackGroup = {
  title: 'the Authorization header',
  cases: [
    {
      name: 'no Authorization header: the challenge of each accepted scheme, no error code (RFC 6750 §3.1)',
      at: 'service-b',
      expected: noCredentials(`Bearer realm="s2s", DPoP realm="s2s", ${DPOP_ALGS}`),
      send: (url) => send(url, { body: ORDER }),
    },
    {
      name: 'empty bearer ("Bearer " sent byte for byte)',
      at: 'service-b',
      expected: invalid('token_malformed'),
      send: (url) => sendRaw(url, ['Bearer '], ORDER),
    },
    {
      name: 'another scheme (Basic): no credentials the service takes, no error code (RFC 6750 §3.1)',
      at: 'service-b',
      expected: {
        ...noCredentials(`Bearer realm="s2s", DPoP realm="s2s", ${DPOP_ALGS}`),
        code: 'token_malformed',
      },
      send: (url) => send(url, { authorization: 'Basic c2VydmljZS1hOnNlY3JldA==', body: ORDER }),
    },
    {
      name: 'a bearer token that is not a JWT',
      at: 'service-b',
      expected: invalid('token_malformed'),
      send: (url) => send(url, { authorization: 'Bearer not-a-jwt', body: ORDER }),
    },
    {
      name: 'JWT-shaped garbage (header {alg: RS256}, payload {}, 3-byte signature)',
      at: 'service-b',
      expected: invalid('token_issuer_invalid'),
      send: (url) => send(url, { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln', body: ORDER }),
    },
    {
      name: 'a credential with quotes and commas that tries to inject into the challenge',
      at: 'service-b',
      expected: invalid('token_malformed'),
      send: (url) => send(url, { authorization: 'Bearer x", error="none", scope="admin', body: ORDER }),
    },
    {
      name: 'a good token in the URI query instead of the header (RFC 6750 §2.3, not accepted)',
      at: 'service-b',
      expected: noCredentials(`Bearer realm="s2s", DPoP realm="s2s", ${DPOP_ALGS}`),
      send: (url, t) => send(`${url}?access_token=${t.serviceA}`, { body: ORDER }),
    },
    {
      name: 'a good token as access_token in a form body instead of the header (RFC 6750 §2.2, not accepted)',
      at: 'service-b',
      expected: noCredentials(`Bearer realm="s2s", DPoP realm="s2s", ${DPOP_ALGS}`),
      send: (url, t) =>
        send(url, {
          contentType: 'application/x-www-form-urlencoded',
          body: `access_token=${t.serviceA}&order_id=1&amount=2`,
        }),
    },
    {
      name: 'two Authorization headers, the good token first (raw socket)',
      at: 'service-b',
      expected: invalid('token_malformed'),
      send: (url, t) => sendRaw(url, [`Bearer ${t.serviceA}`, 'Bearer not-a-jwt'], ORDER),
    },
    {
      name: 'two Authorization headers, the good token second (raw socket)',
      at: 'service-b',
      expected: invalid('token_malformed'),
      send: (url, t) => sendRaw(url, ['Bearer not-a-jwt', `Bearer ${t.serviceA}`], ORDER),
    },
  ],
};

/** Bad bodies sent with a GOOD token, so the refusal is the body's. */
export const BODY_ATTACKS: AttackGroup = {
  title: 'request bodies (with a good token)',
  cases: [
    {
      name: 'order_id as a string',
      at: 'service-b',
      expected: refusedBody(400, ['order_id']),
      send: bodyAtB(JSON.stringify({ order_id: '9876', amount: 1500 })),
    },
    {
      name: 'a field the contract does not have',
      at: 'service-b',
      expected: refusedBody(400, ['is_admin']),
      send: bodyAtB(JSON.stringify({ order_id: 1, amount: 1, is_admin: true })),
    },
    {
      name: 'huge numbers (1e400 is Infinity, 1e308 over the limit)',
      at: 'service-b',
      expected: refusedBody(400, ['order_id', 'amount', 'value']),
      send: bodyAtB('{"order_id": 1e400, "amount": 1e308, "value": -1e400}'),
    },
    {
      name: 'deeply nested JSON (5,000 levels of arrays in value)',
      at: 'service-b',
      expected: refusedBody(400, ['value']),
      send: bodyAtB(`{"order_id": 1, "amount": 1, "value": ${'['.repeat(5000)}${']'.repeat(5000)}}`),
    },
    {
      name: 'deeply nested JSON (2,500 levels of objects in an extra field)',
      at: 'service-b',
      expected: refusedBody(400, ['x']),
      send: bodyAtB(`{"order_id": 1, "amount": 1, "x": ${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}}`),
    },
    {
      name: 'a body that is not JSON',
      at: 'service-b',
      expected: refusedBody(400),
      send: bodyAtB('{"order_id": 1,'),
    },
    {
      name: 'text/plain',
      at: 'service-b',
      expected: refusedBody(415),
      send: bodyAtB('order_id=1&amount=2', 'text/plain'),
    },
    {
      name: 'a form-encoded body, even with a good token',
      at: 'service-b',
      expected: refusedBody(400, ['order_id', 'amount']),
      send: bodyAtB('order_id=1&amount=2', 'application/x-www-form-urlencoded'),
    },
    {
      name: 'a body over the 16 KB limit',
      at: 'service-b',
      expected: refusedBody(413),
      send: bodyAtB(JSON.stringify({ order_id: 1, amount: 1, note: 'x'.repeat(17 * 1024) })),
    },
  ],
};
