// What the three services share that is not authentication: configuration, bootstrap, validation, next-hop HTTP.
export { serviceEnvValidator, keycloakOptionsFromEnv } from './service-env';
export type { ServiceEnv } from './service-env';
export { strictValidationPipe } from './validation.pipe';
export { DownstreamClient, downstreamClientProvider } from './downstream.client';
export type { DownstreamTarget } from './downstream.client';
export { hopOf } from './hop';
export type { Hop } from './hop';
export { HealthController } from './health.controller';
export { runService } from './bootstrap';
export type { ServiceSetup } from './bootstrap';
export { NUMBER_LIMIT, OrderRequestDto } from './order-request.dto';
export { serviceImports } from './service-imports';
export { currentRequestId, REQUEST_ID_HEADER } from './request-context';
export { ErrorBodyFilter } from './error-body.filter';
