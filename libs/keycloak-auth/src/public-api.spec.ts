// Type tests of the public API, written as a user of the package writes: `npm run typecheck` fails when a public
// signature changes shape, and the @ts-expect-error lines fail when a name that is not public becomes so.
import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import {
  ClientCredentialsRequest,
  ClientCredentialsTokenProvider,
  ExchangeTarget,
  KEYCLOAK_AUTH_OPTIONS,
  KeycloakAuthError,
  KeycloakAuthErrorCode,
  KeycloakAuthGuard,
  KeycloakAuthOptions,
  Principal,
  RequireScopes,
  ResolvedKeycloakAuthOptions,
  TokenExchangeService,
} from 'nest-keycloak-s2s';
import {
  PROTECTED_RESOURCE_METADATA_PATH,
  ProtectedResourceMetadata,
  ResourceMetadataOptions,
  resourceMetadataUrl,
} from 'nest-keycloak-s2s/metadata';
import {
  ClientConfigurationError,
  IdentityProviderUnavailableError,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidTokenError,
  StoreUnavailableError,
  TokenEndpointError,
} from 'nest-keycloak-s2s/errors';
import type { InvalidTokenCode, TokenEndpointCode } from 'nest-keycloak-s2s/errors';
import {
  EnforcementMode,
  KeycloakAuthzGuard,
  KeycloakAuthzModule,
  PermissionDecisions,
  PermissionEnforcement,
  PermissionVerdict,
  RequirePermission,
  resolveKeycloakAuthzOptions,
} from 'nest-keycloak-s2s/authz';
import { KeycloakReadiness, ReadinessVerdict } from 'nest-keycloak-s2s/health';
import { KeycloakOAuthClient, REALM_KEYS } from 'nest-keycloak-s2s/oauth';
import {
  InvalidKeycloakAuthOptionsError,
  OptionProblem,
  resolveKeycloakAuthOptions,
} from 'nest-keycloak-s2s/options';
import { KeycloakHealthIndicator } from 'nest-keycloak-s2s/terminus';
import { RedisCounterStore, RedisReplayStore } from 'nest-keycloak-s2s/redis';
import type { RedisCommandSender } from 'nest-keycloak-s2s/redis';
import type { CounterStore, ReplayStore } from 'nest-keycloak-s2s/options';
import {
  AuthenticatedRequest,
  KeycloakAuthenticator,
  TOKEN_VERIFIER,
  TokenVerifier,
} from 'nest-keycloak-s2s/verification';
// @ts-expect-error the verifiers' parts are not public
import type { DpopProofVerifier } from 'nest-keycloak-s2s';
// @ts-expect-error there is no internal entry
import type { KeycloakAuthGuard as Internal } from 'nest-keycloak-s2s/internal';

/** A subclass as the guard's doc shows it: only the hooks, no constructor. */
@Injectable()
class TenantGuard extends KeycloakAuthGuard {
  protected override getRequest(context: ExecutionContext): AuthenticatedRequest {
    return super.getRequest(context);
  }

  protected override handleRequest(
    error: unknown,
    principal: Principal | undefined,
    context: ExecutionContext,
  ) {
    const caller = super.handleRequest(error, principal, context);
    if (caller.claims.tenant !== 'acme') throw new ForbiddenException();
    return caller;
  }
}

describe('the public API, by its types', () => {
  it('offers a guard that is a CanActivate, extended through protected hooks with no constructor to write', () => {
    expectTypeOf<KeycloakAuthGuard>().toExtend<CanActivate>();
    expectTypeOf<TenantGuard>().toExtend<KeycloakAuthGuard>();
    expectTypeOf<ConstructorParameters<typeof TenantGuard>>().toEqualTypeOf<[]>();
    expectTypeOf<KeycloakAuthGuard>().not.toHaveProperty('handleRequest'); // protected: not on the public type
  });

  it('types the outgoing-token services by their public parameter types', () => {
    expectTypeOf<TokenExchangeService['exchange']>().parameters.toEqualTypeOf<[string, ExchangeTarget]>();
    expectTypeOf<TokenExchangeService['exchange']>().returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf<ClientCredentialsTokenProvider['getToken']>().parameters.toEqualTypeOf<
      [request?: ClientCredentialsRequest]
    >();
    expectTypeOf<ExchangeTarget>().toEqualTypeOf<{ audience: string; scope?: string; dpop?: boolean }>();
  });

  it('reads the resolved options by an injection token and resolves them with a pure function', () => {
    expectTypeOf(KEYCLOAK_AUTH_OPTIONS).toBeSymbol();
    expectTypeOf(resolveKeycloakAuthOptions).parameter(0).toEqualTypeOf<KeycloakAuthOptions>();
    expectTypeOf(resolveKeycloakAuthOptions).returns.toEqualTypeOf<ResolvedKeycloakAuthOptions>();
    expectTypeOf<InvalidKeycloakAuthOptionsError['problems']>().toEqualTypeOf<readonly OptionProblem[]>();
  });

  it('describes the Protected Resource Metadata by an option, a document type and its URL', () => {
    expectTypeOf<KeycloakAuthOptions['resourceMetadata']>().toEqualTypeOf<
      false | ResourceMetadataOptions | undefined
    >();
    expectTypeOf<ProtectedResourceMetadata['authorization_servers']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf(resourceMetadataUrl).toEqualTypeOf<(resource: string) => string>();
    expectTypeOf(PROTECTED_RESOURCE_METADATA_PATH).toBeString();
  });

  it('gives the caller as a Principal of readonly claims', () => {
    expectTypeOf<Principal['subject']>().toBeString();
    expectTypeOf<Principal['scopes']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Principal['clientRoles']>().toEqualTypeOf<Readonly<Record<string, readonly string[]>>>();
    expectTypeOf(RequireScopes).parameters.toEqualTypeOf<string[]>();
  });

  it('throws errors of one family with stable codes', () => {
    for (const error of [
      InvalidTokenError,
      InsufficientScopeError,
      IdentityProviderUnavailableError,
      TokenEndpointError,
      InvalidDpopProofError,
    ])
      expectTypeOf(error.prototype).toExtend<KeycloakAuthError>();
    expectTypeOf<'token_missing'>().toExtend<KeycloakAuthErrorCode>();
    expectTypeOf<'insufficient_scope'>().toExtend<KeycloakAuthErrorCode>();
    expectTypeOf<'no_such_code'>().not.toExtend<KeycloakAuthErrorCode>();
    expectTypeOf<KeycloakAuthError['code']>().toEqualTypeOf<KeycloakAuthErrorCode>();
  });

  it("types each family's constructor to its own codes, the configuration error included", () => {
    expectTypeOf(InvalidTokenError).constructorParameters.toEqualTypeOf<
      [InvalidTokenCode, string, boolean?]
    >();
    expectTypeOf(TokenEndpointError).constructorParameters.toEqualTypeOf<
      [TokenEndpointCode, string, string]
    >();
    expectTypeOf<'client_credentials_failed'>().toExtend<TokenEndpointCode>();
    expectTypeOf<'insufficient_scope'>().not.toExtend<InvalidTokenCode>();
    expectTypeOf<ClientConfigurationError['code']>().toEqualTypeOf<KeycloakAuthErrorCode>();
    expectTypeOf<ClientConfigurationError['oauthError']>().toEqualTypeOf<string | undefined>();
    // @ts-expect-error a code of another family
    const wrongFamily = () => new InvalidTokenError('insufficient_scope', 'lacks a scope');
    expectTypeOf(wrongFamily).returns.toExtend<KeycloakAuthError>();
  });

  it('answers readiness as a verdict, and as a terminus indicator', () => {
    expectTypeOf<KeycloakReadiness['check']>().returns.toEqualTypeOf<Promise<ReadinessVerdict>>();
    expectTypeOf<ReadinessVerdict>().toEqualTypeOf<{ readonly ready: boolean; readonly detail: string }>();
    const underKey = (indicator: KeycloakHealthIndicator) => indicator.isHealthy('idp');
    const byDefault = (indicator: KeycloakHealthIndicator) => indicator.isHealthy();
    expectTypeOf(underKey).returns.resolves.toEqualTypeOf<HealthIndicatorResult<'idp'>>();
    expectTypeOf(byDefault).returns.resolves.toEqualTypeOf<HealthIndicatorResult<'keycloak'>>();
  });

  it("authenticates a request outside the guard, with the guard's verifier", () => {
    expectTypeOf<KeycloakAuthenticator['authenticate']>().returns.toEqualTypeOf<Promise<Principal>>();
    expectTypeOf<TokenVerifier['verify']>().toEqualTypeOf<(token: string) => Promise<Principal>>();
    expectTypeOf(TOKEN_VERIFIER).toBeSymbol();
    expectTypeOf(REALM_KEYS).toBeSymbol();
    expectTypeOf<KeycloakOAuthClient>().toHaveProperty('options');
  });

  it('requires Authorization Services permissions by decorators, decided by a guard and a cached decision path', () => {
    expectTypeOf(RequirePermission('order:{id}', 'approve')).toMatchTypeOf<MethodDecorator>();
    expectTypeOf(
      RequirePermission('order', (_request, caller) => caller.scopes),
    ).toMatchTypeOf<ClassDecorator>();
    expectTypeOf(PermissionEnforcement).parameter(0).toEqualTypeOf<EnforcementMode>();
    expectTypeOf<EnforcementMode>().toEqualTypeOf<'enforcing' | 'permissive' | 'disabled'>();
    expectTypeOf<KeycloakAuthzGuard>().toMatchTypeOf<CanActivate>();
    expectTypeOf(KeycloakAuthzModule.forRoot).toBeFunction();
    expectTypeOf<ReturnType<PermissionDecisions['check']>>().resolves.items.toHaveProperty('verdict');
    expectTypeOf<PermissionVerdict>().toEqualTypeOf<'allowed' | 'denied' | 'unknown_resource'>();
    expectTypeOf(resolveKeycloakAuthzOptions({}).decisionCacheTtlMs).toBeNumber();
  });

  it('shares the checks of replicas through stores the options take, Redis ones on any client with sendCommand', () => {
    expectTypeOf<RedisReplayStore>().toMatchTypeOf<ReplayStore>();
    expectTypeOf<RedisCounterStore>().toMatchTypeOf<CounterStore>();
    expectTypeOf<ReplayStore['rememberOnce']>().toEqualTypeOf<
      (key: string, ttlMs: number) => Promise<boolean>
    >();
    expectTypeOf<ConstructorParameters<typeof RedisReplayStore>[0]>().toEqualTypeOf<RedisCommandSender>();
    expectTypeOf<NonNullable<KeycloakAuthOptions['dpop']>['replayStore']>().toEqualTypeOf<
      ReplayStore | undefined
    >();
    expectTypeOf<NonNullable<KeycloakAuthOptions['introspection']>['budgetStore']>().toEqualTypeOf<
      CounterStore | undefined
    >();
    expectTypeOf<StoreUnavailableError>().toMatchTypeOf<KeycloakAuthError>();
    expectTypeOf<StoreUnavailableError['retryAfterSec']>().toBeNumber();
  });

  it('keeps the names that are not public out of reach (the @ts-expect-error imports above)', () => {
    expectTypeOf<DpopProofVerifier | Internal>().toBeAny();
  });
});
