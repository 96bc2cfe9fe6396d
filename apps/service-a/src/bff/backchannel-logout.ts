import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { JWTPayload, jwtVerify, RemoteJWKSet } from 'jose';
import { LRUCache } from 'lru-cache';
import { KEYCLOAK_AUTH_OPTIONS, ResolvedKeycloakAuthOptions } from 'nest-keycloak-s2s';
import { REALM_KEYS } from 'nest-keycloak-s2s/oauth';
import type { ReplayStore } from 'nest-keycloak-s2s/options';
import { StoreUnavailableException } from '@app/service-runtime';
import { SESSION_STORE, SessionStore } from './session.store';

/** OIDC Back-Channel Logout 1.0 §2.4: the event a logout token carries. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Oldest logout token accepted (its `iat`), and how long its `jti` is remembered against replay. */
const MAX_AGE_SEC = 120;
/** Logout tokens remembered at once in memory (bounded whatever is posted). */
const MAX_REMEMBERED = 10_000;

/** Injection token of the {@link ReplayStore} of logout tokens' `jti`s: in this process, or in Redis for all replicas. */
export const LOGOUT_JTI_STORE = Symbol('LOGOUT_JTI_STORE');

/** The logout tokens' `jti`s in this process (one service-a). */
export class MemoryLogoutJtiStore implements ReplayStore {
  private readonly seen = new LRUCache<string, true>({ max: MAX_REMEMBERED, ttl: 1 });

  rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    if (this.seen.has(key)) return Promise.resolve(false);
    this.seen.set(key, true, { ttl: ttlMs });
    return Promise.resolve(true);
  }
}

/** `POST /auth/backchannel-logout`: Keycloak's form (§2.5). */
export class BackchannelLogoutDto {
  @ApiProperty({ description: 'The logout token Keycloak signed (a JWT with the back-channel logout event)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(16_384)
  logout_token!: string;
}

/**
 * Ends the sessions a Keycloak logout names (OIDC Back-Channel Logout 1.0). The logout token is validated as §2.6
 * says: signed by the realm (its JWKS, the library's key set), `iss` the realm, `aud` service-a's client, `iat`
 * within two minutes, the back-channel logout event in `events`, `sid` or `sub`, no `nonce`, and a `jti` not seen
 * before (by any replica, when they share Redis: a replay at another replica is refused too; Redis unreachable:
 * 503, nothing ended). Then every session of that Keycloak session (`sid`), or of that user (`sub` alone), ends in
 * the store — in Redis, on every replica at once. A token that fails any check is 400 and ends nothing.
 */
@Injectable()
export class BackchannelLogout {
  private readonly keys: RemoteJWKSet;

  constructor(
    @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly options: ResolvedKeycloakAuthOptions,
    @Inject(REALM_KEYS) keys: ReadonlyMap<string, RemoteJWKSet>,
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    @Inject(LOGOUT_JTI_STORE) private readonly seen: ReplayStore,
  ) {
    this.keys = keys.get(options.home.issuer)!;
  }

  /** Validates `logoutToken` and ends its sessions; how many ended. */
  async logOut(logoutToken: string): Promise<number> {
    const claims = await this.verify(logoutToken);
    return claims.sid !== undefined
      ? this.store.deleteByKeycloakSession(claims.sid)
      : this.store.deleteBySubject(claims.sub!);
  }

  private async verify(token: string): Promise<JWTPayload & { sid?: string }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.home.issuer,
        audience: this.options.home.clientId,
        algorithms: [...this.options.verification.algorithms],
        clockTolerance: this.options.verification.clockToleranceSec,
        maxTokenAge: MAX_AGE_SEC,
        requiredClaims: ['iat', 'jti'],
      }));
    } catch (error) {
      throw refused(`logout token not valid (${(error as { code?: string }).code ?? 'unreadable'})`);
    }
    const events = payload.events as Record<string, unknown> | undefined;
    const event = events?.[BACKCHANNEL_LOGOUT_EVENT];
    if (typeof event !== 'object' || event === null)
      throw refused('logout token without the back-channel logout event');
    const { sid, sub } = payload as { sid?: unknown; sub?: unknown };
    if (typeof sid !== 'string' && typeof sub !== 'string')
      throw refused('logout token names neither sid nor sub');
    // §2.4: a logout token must not carry a nonce (an ID token passed off as one would).
    if ('nonce' in payload) throw refused('logout token carries a nonce');
    if (!(await this.firstUse(payload.jti!))) throw refused('logout token replayed');
    return { ...payload, sid: typeof sid === 'string' ? sid : undefined };
  }

  /** Whether `jti` is seen for the first time; remembered past the oldest `iat` accepted. */
  private async firstUse(jti: string): Promise<boolean> {
    try {
      return await this.seen.rememberOnce(jti, MAX_AGE_SEC * 2 * 1000);
    } catch {
      throw new StoreUnavailableException('the store of logout tokens seen (Redis)');
    }
  }
}

function refused(reason: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'invalid_request', message: reason });
}
