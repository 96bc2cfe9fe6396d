import {
  BadRequestException,
  HttpException,
  Inject,
  Injectable,
  ServiceUnavailableException,
} from '@nestjs/common';
import * as oidc from 'openid-client';
import { Dispatcher } from 'undici';
import { KEYCLOAK_AUTH_OPTIONS, ResolvedKeycloakAuthOptions } from 'nest-keycloak-s2s';
import {
  clientAuthOf,
  KEYCLOAK_DISPATCHER,
  keycloakFetch,
  KeycloakUnreachableError,
} from 'nest-keycloak-s2s/oauth';
import { CLIENT_KEY_SET, ClientKeySet } from 'nest-keycloak-s2s/client-keys';
import { PendingLogin, SessionUser, UserTokens } from './session.store';

/** Scopes service-a asks for at login: OpenID plus the profile the page shows (its default scopes add the rest). */
const LOGIN_SCOPE = 'openid profile';

/** A token set as service-a keeps it, with the user it names. */
export interface UserLogin {
  readonly tokens: UserTokens;
  readonly user?: SessionUser;
  /** As Keycloak sent them, for the internal password-grant endpoints. */
  readonly expiresIn: number;
  readonly refreshExpiresIn?: number;
  readonly scope?: string;
}

/** Seconds before expiry at which an access token is renewed, at most; short tokens renew at 90 % of their life. */
const RENEW_MARGIN_SEC = 30;

/**
 * service-a's OpenID Connect client (openid-client): the authorization code flow with PKCE, state and nonce for
 * the browser login, the refresh grant, RP-initiated logout, and the password grant for internal apps.
 *
 * The metadata is built from the library's options rather than discovered: the browser reaches Keycloak under
 * the issuer's host (authorization and logout endpoints), service-a under `KEYCLOAK_URL` (token endpoint) —
 * different hosts inside compose, where discovery from the backchannel host would not match the issuer.
 */
@Injectable()
export class OidcClient {
  private readonly config: oidc.Configuration;

  constructor(
    @Inject(KEYCLOAK_AUTH_OPTIONS) options: ResolvedKeycloakAuthOptions,
    @Inject(KEYCLOAK_DISPATCHER) dispatcher: Dispatcher,
    @Inject(CLIENT_KEY_SET) keys: ClientKeySet | null,
  ) {
    const { home, http } = options;
    this.config = new oidc.Configuration(
      {
        issuer: home.issuer,
        authorization_endpoint: `${home.issuer}/protocol/openid-connect/auth`,
        end_session_endpoint: `${home.issuer}/protocol/openid-connect/logout`,
        token_endpoint: home.endpoints.token,
        jwks_uri: home.endpoints.jwks,
      },
      home.clientId,
      undefined,
      // The library's client authentication: the BFF's calls authenticate as every other call of this service.
      clientAuthOf(home, keys ?? undefined),
    );
    this.config.timeout = Math.ceil(http.timeoutMs / 1000) + 1;
    // Keycloak is reached as the library reaches it: its one keep-alive pool, `ca` (KEYCLOAK_CA_FILE) and timeout.
    this.config[oidc.customFetch] = keycloakFetch({
      dispatcher,
      timeoutMs: http.timeoutMs,
    });
    // Plain http only where Keycloak is configured so (the local dev realm); https everywhere else.
    if (home.url.startsWith('http:') || home.issuer.startsWith('http:'))
      oidc.allowInsecureRequests(this.config);
  }

  /** Starts a login: where to send the browser, and what the callback must check (state, nonce, PKCE). */
  async startLogin(redirectUri: string): Promise<{ url: string; pending: PendingLogin }> {
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(this.config, {
      redirect_uri: redirectUri,
      scope: LOGIN_SCOPE,
      response_type: 'code',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, pending };
  }

  /**
   * Finishes a login: checks `state`, redeems the code with the PKCE verifier, validates the ID token (issuer,
   * audience, nonce, expiry) and returns the tokens.
   */
  async finishLogin(callbackUrl: URL, pending: PendingLogin): Promise<UserLogin> {
    return this.grant(() =>
      oidc.authorizationCodeGrant(this.config, callbackUrl, {
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        pkceCodeVerifier: pending.codeVerifier,
      }),
    );
  }

  /** Renews the access token with the refresh token; Keycloak refuses (400) once the SSO session has ended. */
  refresh(refreshToken: string): Promise<UserLogin> {
    return this.grant(() => oidc.refreshTokenGrant(this.config, refreshToken));
  }

  /** The internal login: the password grant (direct access grants), for trusted internal apps only. */
  passwordLogin(username: string, password: string): Promise<UserLogin> {
    return this.grant(() =>
      oidc.genericGrantRequest(this.config, 'password', { username, password, scope: LOGIN_SCOPE }),
    );
  }

  /** Keycloak's end-session URL (RP-initiated logout), coming back to `postLogoutRedirectUri`. */
  logoutUrl(idToken: string | undefined, postLogoutRedirectUri: string): string {
    const params: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri };
    if (idToken) params.id_token_hint = idToken;
    else params.client_id = this.config.clientMetadata().client_id;
    return oidc.buildEndSessionUrl(this.config, params).href;
  }

  private async grant(
    call: () => Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers>,
  ): Promise<UserLogin> {
    const sentAt = Date.now();
    let response;
    try {
      response = await call();
    } catch (error) {
      throw describeFailure(error);
    }
    const lifetimeMs = (response.expires_in ?? 60) * 1000;
    const earlyMs = Math.min(RENEW_MARGIN_SEC * 1000, lifetimeMs * 0.1);
    const claims = response.claims();
    const refreshExpiresIn = response.refresh_expires_in;
    return {
      expiresIn: response.expires_in ?? 60,
      refreshExpiresIn: typeof refreshExpiresIn === 'number' ? refreshExpiresIn : undefined,
      scope: response.scope,
      tokens: {
        accessToken: response.access_token,
        refreshToken: response.refresh_token,
        idToken: response.id_token,
        expiresAt: sentAt + lifetimeMs,
        renewAt: sentAt + lifetimeMs - earlyMs,
      },
      user: claims
        ? {
            sub: claims.sub,
            username: typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub,
            name: typeof claims.name === 'string' ? claims.name : undefined,
            sid: typeof claims.sid === 'string' ? claims.sid : undefined,
          }
        : undefined,
    };
  }
}

/**
 * Keycloak's refusals become 400 with its OAuth error (e.g. invalid_grant) and reason; an unreachable or failing
 * Keycloak becomes 503. Never a token.
 */
function describeFailure(error: unknown): HttpException {
  if (error instanceof KeycloakUnreachableError) return unavailable(error.message);
  if (error instanceof oidc.ResponseBodyError) {
    const reason = error.error_description ?? error.error;
    if (error.status >= 500) return unavailable(`Keycloak answered ${error.status}`);
    return new BadRequestException({ statusCode: 400, error: error.error, message: reason });
  }
  if (error instanceof oidc.AuthorizationResponseError) {
    return new BadRequestException({
      statusCode: 400,
      error: error.error,
      message: error.error_description ?? `Keycloak ended the login with ${error.error}`,
    });
  }
  if (error instanceof oidc.ClientError && !keycloakFailed(error)) {
    return new BadRequestException({
      statusCode: 400,
      error: 'invalid_login_response',
      message: `the login response did not validate: ${error.message}`,
    });
  }
  const e = error as { name?: string; cause?: { code?: string } };
  return unavailable(`Keycloak unreachable (${e?.cause?.code ?? e?.name ?? 'error'})`);
}

/** openid-client codes (and fetch's TypeError) that mean Keycloak failed or was not reached, not the login. */
const KEYCLOAK_FAILURES = new Set([
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
]);

function keycloakFailed(error: oidc.ClientError): boolean {
  return KEYCLOAK_FAILURES.has(error.code ?? '') || (error.cause as Error | undefined)?.name === 'TypeError';
}

function unavailable(message: string): ServiceUnavailableException {
  return new ServiceUnavailableException({ statusCode: 503, error: 'idp_unavailable', message });
}
