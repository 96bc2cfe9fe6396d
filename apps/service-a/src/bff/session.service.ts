import { BadRequestException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceAEnv } from './bff-env';
import { OidcClient, UserLogin } from './oidc.client';
import { newSessionId, Session, SESSION_STORE, SessionStore } from './session.store';

/**
 * The browser's side of a session: one httpOnly, SameSite=Lax cookie holding a random id (`__Host-` prefixed and
 * Secure when service-a is served over https). Everything else — tokens included — stays in the
 * {@link SessionStore}.
 */
@Injectable()
export class SessionService {
  readonly cookieName: string;
  private readonly secure: boolean;
  /** Refreshes in flight, by session id: concurrent requests of one session share one refresh grant. */
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    private readonly oidc: OidcClient,
    config: ConfigService<ServiceAEnv, true>,
  ) {
    this.secure = config.get('PUBLIC_URL', { infer: true }).startsWith('https:');
    this.cookieName = this.secure ? '__Host-s2s_session' : 's2s_session';
  }

  /** The request's session, if its cookie names a live one. */
  async current(request: FastifyRequest): Promise<Session | undefined> {
    const id = request.cookies?.[this.cookieName];
    return id ? this.store.get(id) : undefined;
  }

  /** The logged-in user for display, or none — also when the store cannot be reached (the page still renders). */
  async userIfAvailable(request: FastifyRequest): Promise<Session['user']> {
    try {
      return (await this.current(request))?.user;
    } catch {
      return undefined;
    }
  }

  /** Stores the session as it is now. */
  save(session: Session): Promise<void> {
    return this.store.set(session);
  }

  /** The request's session, or a new one whose cookie is set on the reply. */
  async ensure(request: FastifyRequest, reply: FastifyReply): Promise<Session> {
    const existing = await this.current(request);
    if (existing) return existing;
    const session: Session = { id: newSessionId() };
    await this.store.set(session);
    this.setCookie(reply, session.id);
    return session;
  }

  /**
   * Stores a completed login under a NEW session id (the pre-login id is dropped: no session fixation) and sets
   * its cookie.
   */
  async establish(reply: FastifyReply, login: UserLogin, previous?: Session): Promise<Session> {
    if (previous) await this.store.delete(previous.id);
    const session: Session = { id: newSessionId(), user: login.user, tokens: login.tokens };
    await this.store.set(session);
    this.setCookie(reply, session.id);
    return session;
  }

  /** Forgets the request's session and clears its cookie; returns it (logout needs its ID token). */
  async end(request: FastifyRequest, reply: FastifyReply): Promise<Session | undefined> {
    const session = await this.current(request);
    if (session) await this.store.delete(session.id);
    reply.clearCookie(this.cookieName, { path: '/' });
    return session;
  }

  /**
   * The logged-in user's access token, renewed with the refresh token when it is due (before it expires).
   * Throws 401 when nobody is logged in or Keycloak no longer renews the session (which then ends here too).
   */
  accessToken(session: Session | undefined): Promise<string> {
    const tokens = session?.tokens;
    if (!session || !tokens)
      return Promise.reject(
        new UnauthorizedException({ statusCode: 401, error: 'login_required', message: 'log in first' }),
      );
    if (Date.now() < tokens.renewAt) return Promise.resolve(tokens.accessToken);
    let pending = this.refreshing.get(session.id);
    if (!pending) {
      pending = this.renew(session).finally(() => this.refreshing.delete(session.id));
      this.refreshing.set(session.id, pending);
    }
    return pending;
  }

  private async renew(session: Session): Promise<string> {
    const refreshToken = session.tokens?.refreshToken;
    try {
      if (!refreshToken) throw sessionEnded('the session has no refresh token');
      let renewed;
      try {
        renewed = await this.oidc.refresh(refreshToken);
      } catch (error) {
        // Keycloak's 400 (invalid_grant: session ended, user disabled, token revoked) ends our session too.
        if (error instanceof BadRequestException) throw sessionEnded(describe(error));
        throw error;
      }
      // Keycloak may rotate the refresh token; keep the newest, and the ID token for logout.
      session.tokens = {
        ...renewed.tokens,
        refreshToken: renewed.tokens.refreshToken ?? refreshToken,
        idToken: renewed.tokens.idToken ?? session.tokens?.idToken,
      };
      await this.store.set(session);
      return session.tokens.accessToken;
    } catch (error) {
      if (error instanceof UnauthorizedException) await this.store.delete(session.id);
      throw error;
    }
  }

  private setCookie(reply: FastifyReply, id: string): void {
    reply.setCookie(this.cookieName, id, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
    });
  }
}

function sessionEnded(reason: string): UnauthorizedException {
  return new UnauthorizedException({
    statusCode: 401,
    error: 'login_required',
    message: `Keycloak no longer renews this login (${reason}); log in again`,
  });
}

function describe(error: BadRequestException): string {
  const body = error.getResponse() as { message?: unknown };
  return typeof body.message === 'string' ? body.message : error.message;
}
