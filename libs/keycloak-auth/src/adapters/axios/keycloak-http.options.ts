import type { HttpModuleOptions } from '@nestjs/axios';
import type { ClientCredentialsRequest, ExchangeTarget } from '../../index';

/**
 * Which token an `HttpService` sends: this service's own (client credentials, optionally with extra scopes), or
 * the current request's caller's token exchanged for `exchange` (RFC 8693, the subject kept).
 */
export type KeycloakHttpToken =
  'client-credentials' | { clientCredentials: ClientCredentialsRequest } | { exchange: ExchangeTarget };

/** `KeycloakHttpModule.register()`'s options: @nestjs/axios' own (base URL, timeout, …) plus the token to send. */
export interface KeycloakHttpModuleOptions extends HttpModuleOptions {
  token: KeycloakHttpToken;
}

/** Injection token of one module's {@link KeycloakHttpToken}. */
export const KEYCLOAK_HTTP_TOKEN = Symbol('KEYCLOAK_HTTP_TOKEN');
