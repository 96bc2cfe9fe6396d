import * as oidc from 'openid-client';
import { Dispatcher } from 'undici';
import { keycloakFetch } from '../transport/keycloak-fetch';
import type { IdpEndpoint } from '../transport/keycloak-auth.observer';
import { keycloakDispatcher } from '../transport/keycloak-tls';
import { TOKEN_EXCHANGE_GRANT } from '../core/constants';
import { ResolvedKeycloakAuthOptions, ResolvedRealm } from '../config/keycloak-auth.options';
import { clientAuthOf } from './client-auth';
import { loadClientKeys } from './load-client-keys';
import type { ClientKeySet } from '../keys/client-key-set';
import { DpopKeyPair } from './dpop-proof.maker';
import { keycloakAuthErrorOf, OAuthCall } from './oauth-errors';

/** A successful token endpoint answer (RFC 6749 §5.1), reduced to what callers use. */
export interface IssuedToken {
  accessToken: string;
  /** Lifetime in seconds, as Keycloak stated it. */
  expiresIn: number;
  scope?: string;
}

/** A token endpoint answer as it came: the status and the JSON body (undefined when the body is not JSON). */
export interface TokenEndpointAnswer {
  status: number;
  body: unknown;
}

/** Keycloak's lifetime of a token whose answer states none is unknown: assume a short one (RFC 6749 §5.1). */
const DEFAULT_EXPIRES_IN_SEC = 60;

/**
 * Every OAuth call the library makes to Keycloak, through openid-client: client credentials, RFC 8693 token
 * exchange and RFC 7662 introspection, each authenticated with the realm's {@link clientAuthOf}, sent over one
 * keep-alive pool (the configured CA) and reported to the observer. Failures come out as the library's typed
 * errors ({@link keycloakAuthErrorOf}). The realm is the home realm unless a caller names the issuer of another
 * accepted realm.
 */
/** The client authentication of every realm's calls, signing with `keys` under `private_key_jwt`. */
export function clientAuthWith(keys: ClientKeySet | undefined): (realm: ResolvedRealm) => oidc.ClientAuth {
  return (realm) => clientAuthOf(realm, keys);
}

export class KeycloakOAuthClient {
  private readonly configurations = new Map<string, oidc.Configuration>();
  private readonly dpopHandles = new Map<oidc.Configuration, oidc.DPoPHandle>();

  constructor(
    readonly options: ResolvedKeycloakAuthOptions,
    /** The pool of every call to Keycloak, the JWKS fetches included; closed by {@link close}. */
    readonly dispatcher: Dispatcher = keycloakDispatcher(options.ca),
    /** The key DPoP-bound tokens are requested with; without one, `dpop` requests are refused. */
    private readonly dpopKey?: DpopKeyPair,
    /**
     * How each realm's calls authenticate: by default `clientAuthOf` with the keys `loadClientKeys` reads from the
     * options (the module passes its `CLIENT_KEY_SET`); tests replace it to send what Keycloak must refuse.
     */
    private readonly clientAuth: (realm: ResolvedRealm) => oidc.ClientAuth = clientAuthWith(
      loadClientKeys(options),
    ),
  ) {}

  /**
   * This service's own token at the home realm (RFC 6749 §4.4), with `scope` on top of the client's defaults;
   * with `dpop`, bound to this service's DPoP key (RFC 9449 §5).
   */
  clientCredentials(scope?: string, dpop = false): Promise<IssuedToken> {
    const config = this.configuration(this.options, 'token');
    return this.token('token', () =>
      oidc.clientCredentialsGrant(config, scope ? { scope } : {}, this.dpop(config, this.options, dpop)),
    );
  }

  /**
   * An RFC 8693 exchange with `parameters` (subject token and target) at the realm of `issuer`; with `dpop`, the
   * request carries this service's proof and the new token is bound to its key.
   */
  exchange(parameters: Record<string, string>, issuer?: string, dpop = false): Promise<IssuedToken> {
    const realm = this.realm(issuer);
    const config = this.configuration(realm, 'token_exchange');
    return this.token('token_exchange', () =>
      oidc.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT, parameters, this.dpop(config, realm, dpop)),
    );
  }

  /**
   * openid-client's DPoP handle of `config` (one per configuration: it keeps the token endpoint's `DPoP-Nonce`
   * and retries once when Keycloak asks for one, RFC 9449 §8). With `dpopKeycloakHtu: 'issuer'` the proof's `htu`
   * names the endpoint under the realm's issuer: the URL Keycloak sees behind a proxy that presents it the
   * issuer's host (Keycloak checks `htu` against the URL it was reached by, RFC 9449 §4.3).
   */
  private dpop(config: oidc.Configuration, realm: ResolvedRealm, wanted: boolean): oidc.DPoPOptions {
    if (!wanted) return {};
    if (!this.dpopKey) throw new Error('keycloak-auth: a DPoP-bound token was asked for without a DPoP key');
    let handle = this.dpopHandles.get(config);
    if (!handle) {
      const called = `${realm.url}/realms/${encodeURIComponent(realm.realm)}`;
      const asIssuer = this.options.dpopKeycloakHtu === 'issuer';
      const proofs: oidc.ModifyAssertionOptions = {
        [oidc.modifyAssertion]: (header, payload) => {
          // openid-client names an Ed25519 proof `Ed25519` (RFC 9864); Keycloak accepts it only as `EdDSA`, the
          // name it announces in dpop_signing_alg_values_supported. Same key, same signature.
          if (header.alg === 'Ed25519') header.alg = 'EdDSA';
          if (asIssuer && typeof payload.htu === 'string' && payload.htu.startsWith(called))
            payload.htu = `${realm.issuer}${payload.htu.slice(called.length)}`;
        },
      };
      handle = oidc.getDPoPHandle(config, this.dpopKey, proofs);
      this.dpopHandles.set(config, handle);
    }
    return { DPoP: handle };
  }

  /** Keycloak's RFC 7662 answer on an access token, at the realm of `issuer`. */
  async introspect(token: string, issuer?: string): Promise<oidc.IntrospectionResponse> {
    const config = this.configuration(this.realm(issuer), 'introspection');
    try {
      return await oidc.tokenIntrospection(config, token, { token_type_hint: 'access_token' });
    } catch (error) {
      throw keycloakAuthErrorOf(error, 'introspection');
    }
  }

  /**
   * A token endpoint request whose answer is not a token, so openid-client does not read it — Keycloak's UMA grant
   * with `response_mode=decision` or `permissions` answers a decision or a list of permissions. Authenticated as
   * every other call of this service ({@link clientAuthOf}), over the same pool, reported as one call to
   * `endpoint`. Any answer comes back as it is; only an unreachable Keycloak throws (`KeycloakUnreachableError`).
   */
  async tokenEndpointRequest(
    grantType: string,
    parameters: Readonly<Record<string, string | readonly string[]>>,
    endpoint: IdpEndpoint,
    issuer?: string,
  ): Promise<TokenEndpointAnswer> {
    const realm = this.realm(issuer);
    const body = new URLSearchParams({ grant_type: grantType });
    for (const [name, value] of Object.entries(parameters))
      for (const one of typeof value === 'string' ? [value] : value) body.append(name, one);
    const headers = new Headers({ accept: 'application/json' });
    const server = { issuer: realm.issuer, token_endpoint: realm.endpoints.token };
    // openid-client types a ClientAuth as returning void; the signed-JWT ones sign asynchronously.
    await (this.clientAuth(realm)(
      server,
      { client_id: realm.clientId },
      body,
      headers,
    ) as void | Promise<void>);
    const { httpTimeoutMs: timeoutMs, observer } = this.options;
    const send = keycloakFetch({ dispatcher: this.dispatcher, timeoutMs, report: { observer, endpoint } });
    const response = await send(realm.endpoints.token, { method: 'POST', headers, body });
    const json = /\bjson\b/i.test(response.headers.get('content-type') ?? '');
    return { status: response.status, body: json ? await response.json().catch(() => undefined) : undefined };
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async token(
    call: OAuthCall,
    grant: () => Promise<oidc.TokenEndpointResponse>,
  ): Promise<IssuedToken> {
    let response;
    try {
      response = await grant();
    } catch (error) {
      throw keycloakAuthErrorOf(error, call);
    }
    return {
      accessToken: response.access_token,
      expiresIn: response.expires_in ?? DEFAULT_EXPIRES_IN_SEC,
      scope: response.scope,
    };
  }

  private realm(issuer?: string): ResolvedRealm {
    return this.options.realms.find((r) => r.issuer === issuer) ?? this.options;
  }

  /**
   * The openid-client Configuration of one realm and call, made once. It is built from the realm's known endpoints,
   * not discovered: discovery would make a service's start depend on Keycloak being up (it starts without, and
   * /health/ready says when Keycloak answers), and where a service reaches Keycloak under another host than the
   * issuer's (compose), discovery's issuer check would refuse the metadata. One per call, so the observer is told
   * which endpoint each request was (client credentials and exchange share the token endpoint's URL).
   */
  private configuration(realm: ResolvedRealm, call: OAuthCall): oidc.Configuration {
    const key = `${realm.issuer} ${call}`;
    const known = this.configurations.get(key);
    if (known) return known;
    const { httpTimeoutMs, observer } = this.options;
    const config = new oidc.Configuration(
      {
        issuer: realm.issuer,
        token_endpoint: realm.endpoints.token,
        introspection_endpoint: realm.endpoints.introspection,
        jwks_uri: realm.endpoints.jwks,
      },
      realm.clientId,
      undefined,
      this.clientAuth(realm),
    );
    config[oidc.customFetch] = keycloakFetch({
      dispatcher: this.dispatcher,
      timeoutMs: httpTimeoutMs,
      report: { observer, endpoint: call },
    });
    // openid-client's own limit is in whole seconds: set past the fetch's exact one, which reports the timeout.
    config.timeout = Math.ceil(httpTimeoutMs / 1000) + 1;
    // openid-client refuses plain http; allowed only where Keycloak is configured so (the local dev realm, tests).
    if (new URL(realm.url).protocol === 'http:') oidc.allowInsecureRequests(config);
    this.configurations.set(key, config);
    return config;
  }
}
