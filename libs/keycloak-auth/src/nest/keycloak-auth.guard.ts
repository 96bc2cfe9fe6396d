import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, Reflector } from '@nestjs/core';
import { DpopPolicy } from '../config/dpop.options';
import { KEEP_VERIFIED_TOKENS, KEYCLOAK_AUTH_OPTIONS } from '../core/constants';
import type { AuthenticationSettings } from './authenticate-request';
import type { ChallengeSettings } from './challenge-offer';
import { Principal } from '../core/principal';
import { AuthenticatedRequest, requestCredential } from './bearer-token';
import { KeycloakAuthenticator } from './keycloak-authenticator';
import { rememberRoutePolicy } from './challenge-offer';
import { requestOf, setChallenge } from './request-context';
import { assertRules, routeRules } from './route-requirements';

/**
 * Authenticates the access token (bearer, or DPoP-bound with its proof: `@Dpop()`, option `dpop.policy`) with the
 * configured verifier, then enforces `@RequireScopes`, `@Roles` and `@AllowedCallers`. Every refusal carries its
 * RFC 6750 `WWW-Authenticate` challenge. Guards HTTP routes and GraphQL resolvers alike (the request of a
 * resolver is taken from its GraphQL context).
 *
 * The module registers it as the global guard; with `globalGuard: false` put it on routes yourself. Extend it to
 * change where the request comes from ({@link getRequest}) or what an outcome becomes ({@link handleRequest}), as
 * with `@nestjs/passport`'s `AuthGuard`: the dependencies are injected into properties, so a subclass needs no
 * constructor.
 *
 * @example
 * ```ts
 * @UseGuards(KeycloakAuthGuard)
 * @RequireScopes('orders.read')
 * @Get('orders')
 * list(@CurrentPrincipal() caller: Principal) {}
 *
 * // A guard of your own: the library's checks, then one more.
 * @Injectable()
 * class TenantGuard extends KeycloakAuthGuard {
 *   protected override handleRequest(error: unknown, principal: Principal | undefined, context: ExecutionContext) {
 *     const caller = super.handleRequest(error, principal, context);
 *     if (caller.claims.tenant !== 'acme') throw new ForbiddenException();
 *     return caller;
 *   }
 * }
 * ```
 */
@Injectable()
export class KeycloakAuthGuard implements CanActivate {
  @Inject(Reflector) private readonly reflector!: Reflector;
  @Inject(HttpAdapterHost) private readonly adapterHost!: HttpAdapterHost;
  @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly options!: AuthenticationSettings & ChallengeSettings;
  @Inject(KeycloakAuthenticator) private readonly authenticator!: KeycloakAuthenticator;
  @Inject(ModuleRef) private readonly moduleRef!: ModuleRef;
  private everyRouteKeepsToken?: boolean;

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rules = routeRules(this.reflector, context);
    // A public route is answered at once, and so is a bearer token verified before: no promise to create and
    // await on such requests, the most frequent ones.
    if (rules.isPublic && !rules.optionalAuthentication) return true;
    const request = this.getRequest(context);
    // Optional authentication: no Authorization header, no principal; any header is verified as on a guarded
    // route, so a forged or expired token is refused rather than read as anonymous.
    if (rules.isPublic && !requestCredential(request).presented) return true;
    const policy = rules.dpop ?? this.options.dpop.policy;
    rememberRoutePolicy(request, policy, this.options);
    // A public route's callers meet no route rules, with a token or without.
    const check = rules.isPublic ? () => undefined : (principal: Principal) => assertRules(rules, principal);
    let principal: Principal | undefined;
    try {
      const keepToken = rules.keepToken || rules.readsToken || this.keepsEveryToken();
      principal = this.authenticator.authenticateFromCache(request, check, policy, keepToken);
    } catch (error) {
      return this.outcome(context, request, error, undefined);
    }
    if (principal !== undefined) return this.outcome(context, request, undefined, principal);
    return this.authenticate(context, request, check, policy);
  }

  /**
   * The HTTP request of an execution context: the route's, or a GraphQL resolver's from its context. Override
   * it for a transport whose request sits elsewhere.
   */
  protected getRequest(context: ExecutionContext): AuthenticatedRequest {
    return requestOf<AuthenticatedRequest>(context);
  }

  /**
   * Called once per guarded request with its outcome: the refusal (a `KeycloakAuthError`) or the verified
   * principal, route rules already checked. Returns the principal handlers get, or throws; the default throws
   * the refusal. A library error thrown from here is answered with its `WWW-Authenticate` challenge.
   */
  protected handleRequest(
    error: unknown,
    principal: Principal | undefined,
    _context: ExecutionContext,
  ): Principal {
    if (error !== undefined || principal === undefined) throw error;
    return principal;
  }

  /** Whether the application provides `KEEP_VERIFIED_TOKENS` (looked up once). */
  private keepsEveryToken(): boolean {
    if (this.everyRouteKeepsToken === undefined) {
      try {
        this.moduleRef.get(KEEP_VERIFIED_TOKENS, { strict: false });
        this.everyRouteKeepsToken = true;
      } catch {
        this.everyRouteKeepsToken = false;
      }
    }
    return this.everyRouteKeepsToken;
  }

  private async authenticate(
    context: ExecutionContext,
    request: AuthenticatedRequest,
    check: (principal: Principal) => void,
    policy: DpopPolicy,
  ): Promise<boolean> {
    let principal: Principal;
    try {
      principal = await this.authenticator.authenticate(request, check, policy);
    } catch (error) {
      return this.outcome(context, request, error, undefined);
    }
    return this.outcome(context, request, undefined, principal);
  }

  private outcome(
    context: ExecutionContext,
    request: AuthenticatedRequest,
    error: unknown,
    principal: Principal | undefined,
  ): true {
    try {
      const accepted = this.handleRequest(error, principal, context);
      if (accepted !== principal) request.principal = accepted;
      return true;
    } catch (refusal) {
      setChallenge(this.adapterHost, context, this.options, refusal);
      throw refusal;
    }
  }
}
