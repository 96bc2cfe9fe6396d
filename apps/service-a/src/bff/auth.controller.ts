import { Body, Controller, Get, HttpCode, HttpException, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from 'nest-keycloak-s2s';
import { ApiErrorResponses } from '@app/service-runtime';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ServiceAEnv } from './bff-env';
import { OidcClient } from './oidc.client';
import { PageRenderer } from './page.renderer';
import { PasswordGrantEnabledGuard, PasswordLoginDto, RefreshDto } from './password-grant';
import { BackchannelLogout, BackchannelLogoutDto } from './backchannel-logout';
import { LoginRateLimitGuard } from './login-rate-limit.guard';
import { PasswordAttemptLimiter } from './password-attempts';
import { SameOriginGuard } from './same-origin.guard';
import { SessionService } from './session.service';

/** What POST /auth/token and /auth/refresh answer. */
const TOKEN_RESPONSE =
  "Keycloak's token response: token_type, access_token, expires_in, refresh_token, refresh_expires_in, scope";

/**
 * The BFF's login: Keycloak's login page through the authorization code flow with PKCE (S256), state and nonce;
 * the tokens stay in the server-side session. Logout ends the session here and at Keycloak (RP-initiated).
 */
@Public()
@ApiTags('login')
@Controller('auth')
export class AuthController {
  private readonly redirectUri: string;
  private readonly home: string;

  constructor(
    private readonly oidc: OidcClient,
    private readonly sessions: SessionService,
    private readonly page: PageRenderer,
    private readonly attempts: PasswordAttemptLimiter,
    private readonly backchannel: BackchannelLogout,
    config: ConfigService<ServiceAEnv, true>,
  ) {
    const publicUrl = config.get('PUBLIC_URL', { infer: true });
    this.redirectUri = `${publicUrl}/auth/callback`;
    this.home = `${publicUrl}/`;
  }

  @Get('login')
  @UseGuards(LoginRateLimitGuard)
  @ApiOperation({ summary: "Redirects to Keycloak's login page (authorization code + PKCE)" })
  @ApiResponse({ status: 302, description: "To Keycloak's login page" })
  async login(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const session = await this.sessions.ensure(request, reply);
    const { url, pending } = await this.oidc.startLogin(this.redirectUri);
    session.login = pending;
    await this.sessions.save(session);
    return reply.redirect(url, 302);
  }

  @Get('callback')
  @UseGuards(LoginRateLimitGuard)
  @ApiOperation({ summary: "Keycloak's redirect back: redeems the code, starts the session, redirects to /" })
  @ApiResponse({ status: 303, description: 'Logged in: to the page, with the session cookie' })
  @ApiResponse({ status: 400, description: 'A login not started here, expired or replayed (HTML)' })
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const session = await this.sessions.current(request);
    const pending = session?.login;
    if (!session || !pending)
      return this.page.send(reply, 400, {
        error: {
          heading: 'Login could not be completed',
          message: `This login was not started here or has expired. Open ${this.home} and log in again.`,
        },
      });
    session.login = undefined; // one use only, whatever happens next
    await this.sessions.save(session);
    try {
      const login = await this.oidc.finishLogin(new URL(request.url, this.home), pending);
      await this.sessions.establish(reply, login, session);
      return reply.redirect('/', 303);
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      return this.page.send(reply, error.getStatus(), {
        error: { heading: 'Login failed', message: PageRenderer.messageOf(error) },
      });
    }
  }

  @Post('logout')
  @UseGuards(SameOriginGuard)
  @ApiOperation({ summary: 'Ends the session here and at Keycloak (RP-initiated logout)' })
  @ApiResponse({
    status: 303,
    description: "To Keycloak's end-session endpoint, which comes back to the page",
  })
  async logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const session = await this.sessions.end(request, reply);
    if (!session?.tokens) return reply.redirect('/', 303);
    return reply.redirect(this.oidc.logoutUrl(session.tokens.idToken, this.home), 303);
  }

  /** OIDC Back-Channel Logout: Keycloak posts a logout token when the user's Keycloak session ends. */
  @Post('backchannel-logout')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Keycloak's back-channel logout (OIDC Back-Channel Logout 1.0): ends the sessions the token names",
    description: 'Form body `logout_token`. 400 when the token does not validate; nothing ends then.',
  })
  @ApiOkResponse({ description: 'The sessions of that Keycloak session (or user) ended, on every replica' })
  @ApiErrorResponses(400, 503)
  async backchannelLogout(
    @Body() body: BackchannelLogoutDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const ended = await this.backchannel.logOut(body.logout_token);
    void reply.header('cache-control', 'no-store');
    return { ended };
  }

  /** The internal login (password grant). Trusted internal apps only; off unless ENABLE_PASSWORD_GRANT. */
  @Post('token')
  @HttpCode(200)
  @UseGuards(PasswordGrantEnabledGuard, LoginRateLimitGuard)
  @ApiOperation({
    summary: "Internal login (password grant): Keycloak's token response",
    description:
      'Trusted internal apps only; 404 unless ENABLE_PASSWORD_GRANT=true. 429 (Retry-After) past the limits per ' +
      'client address and per username, which stop before the realm locks the user out.',
  })
  @ApiOkResponse({ description: TOKEN_RESPONSE })
  @ApiErrorResponses(400, 429, 503)
  async token(@Body() body: PasswordLoginDto) {
    const login = await this.attempts.run(
      body.username,
      () => this.oidc.passwordLogin(body.username, body.password),
      // Keycloak's answer to a wrong password (or an unknown user): what its brute-force protection counts.
      (error) => error instanceof HttpException && error.getStatus() === 400,
    );
    return tokenResponse(login);
  }

  /** Refresh of the internal login's tokens. Off unless ENABLE_PASSWORD_GRANT. */
  @Post('refresh')
  @HttpCode(200)
  @UseGuards(PasswordGrantEnabledGuard, LoginRateLimitGuard)
  @ApiOperation({
    summary: "Refreshes the internal login's tokens",
    description:
      '404 unless ENABLE_PASSWORD_GRANT=true. 429 (Retry-After) past the limit per client address.',
  })
  @ApiOkResponse({ description: TOKEN_RESPONSE })
  @ApiErrorResponses(400, 429, 503)
  async refresh(@Body() body: RefreshDto) {
    return tokenResponse(await this.oidc.refresh(body.refresh_token));
  }
}

function tokenResponse(login: Awaited<ReturnType<OidcClient['passwordLogin']>>) {
  return {
    token_type: 'Bearer',
    access_token: login.tokens.accessToken,
    expires_in: login.expiresIn,
    refresh_token: login.tokens.refreshToken,
    refresh_expires_in: login.refreshExpiresIn,
    scope: login.scope,
  };
}
