import type { Type } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { KEYCLOAK_AUTH_OPTIONS, ResolvedKeycloakAuthOptions } from 'nest-keycloak-s2s';
import {
  ALLOWED_CALLERS_KEY,
  DPOP_POLICY_KEY,
  IS_PUBLIC_KEY,
  REQUIRED_ROLES_KEY,
  REQUIRED_PERMISSIONS_KEY,
  REQUIRED_SCOPES_KEY,
} from 'nest-keycloak-s2s/metadata';
import type { PermissionRequirement } from 'nest-keycloak-s2s/authz';
import type { ServiceDefinition } from '../service-definition';
import { ERROR_MEANINGS, ErrorBody, ErrorStatus } from './error-body';

/** Name of the bearer security scheme in the document. */
const BEARER = 'bearer';

/**
 * The Swagger UI loads its own script, styles and icons from /docs and calls the API it documents; its page keeps
 * to that. service-a's own page keeps its stricter policy (no script at all).
 */
const DOCS_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the service's OpenAPI document at `/docs-json` and the Swagger UI at `/docs`. The document comes from the
 * controllers and the DTOs' decorators; what the guard requires of each operation (bearer token, scopes, roles,
 * callers) is read from the same metadata the guard enforces, so the two cannot drift apart.
 */
export function setupOpenApi(app: NestFastifyApplication, definition: ServiceDefinition): void {
  const options = app.get<ResolvedKeycloakAuthOptions>(KEYCLOAK_AUTH_OPTIONS);
  const config = new DocumentBuilder()
    .setTitle(definition.name)
    .setDescription(definition.description)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: `An access token of Keycloak realm ${options.home.realm}`,
      },
      BEARER,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorBody],
    operationIdFactory: (controller, method) => `${controller}_${method}`,
  });
  if (options.globalGuard) describeAuthorization(app, document, options);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (request, reply, payload, done) => {
      if (request.url.startsWith('/docs')) void reply.header('content-security-policy', DOCS_POLICY);
      done(null, payload);
    });
}

/** Adds the bearer scheme, the requirements in words and the 401/403/503 answers to every guarded operation. */
function describeAuthorization(
  app: NestFastifyApplication,
  document: OpenAPIObject,
  options: ResolvedKeycloakAuthOptions,
): void {
  const reflector = app.get(Reflector);
  const handlers = handlersByOperationId(app);
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem)) {
      const found = handlers.get((operation as { operationId?: string })?.operationId ?? '');
      if (!found) continue;
      const targets = [found.handler, found.controller];
      const read = (key: string) => reflector.getAllAndOverride<unknown>(key, targets);
      if (read(IS_PUBLIC_KEY)) continue;
      const dpop = (read(DPOP_POLICY_KEY) ?? options.dpop) === 'required';
      // RFC 9449: such a route takes `Authorization: DPoP <token>` with a proof, never a bearer token.
      const kind = dpop ? 'a DPoP-bound access token (with its DPoP proof)' : 'a bearer access token';
      const needs = [`${kind} of realm ${options.home.realm} for ${options.audience.join(' or ')}`];
      const scopes = (read(REQUIRED_SCOPES_KEY) ?? []) as string[];
      const roles = (read(REQUIRED_ROLES_KEY) ?? []) as string[];
      const callers = (read(ALLOWED_CALLERS_KEY) ?? []) as string[];
      if (scopes.length) needs.push(`scope ${scopes.join(' and ')}`);
      if (roles.length) needs.push(`role ${roles.join(' or ')}`);
      if (callers.length) needs.push(`caller (azp) ${callers.join(' or ')}`);
      // @RequirePermission: decided by Keycloak's Authorization Services (the controller's and the route's).
      const permissions =
        reflector.getAllAndMerge<PermissionRequirement[]>(REQUIRED_PERMISSIONS_KEY, [
          found.controller,
          found.handler,
        ]) ?? [];
      for (const { resource, scopes } of permissions)
        needs.push(
          `Keycloak permission ${resource}${typeof scopes === 'function' ? ' (scopes chosen per request)' : scopes.length ? `#${scopes.join(',')}` : ''}`,
        );
      operation.security = [{ [BEARER]: [] }];
      operation.description = [operation.description, `**Requires** ${needs.join('; ')}.`]
        .filter(Boolean)
        .join('\n\n');
      for (const status of [401, 403, 503] as ErrorStatus[]) {
        operation.responses[status] ??= {
          description: ERROR_MEANINGS[status],
          content: { 'application/json': { schema: { $ref: `#/components/schemas/${ErrorBody.name}` } } },
        };
      }
    }
  }
}

/** Every controller method of the application, by the operation id the document gives it. */
function handlersByOperationId(app: NestFastifyApplication) {
  const handlers = new Map<string, { controller: Type<unknown>; handler: (...args: unknown[]) => unknown }>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown>;
      for (const method of Object.getOwnPropertyNames(controller.prototype)) {
        handlers.set(`${controller.name}_${method}`, { controller, handler: controller.prototype[method] });
      }
    }
  }
  return handlers;
}
