// What every service shares that is not authentication: configuration, bootstrap, validation, next-hop HTTP.
export { serviceEnvValidator } from './service-env';
export type { ServiceEnv } from './service-env';
export type { EnvReader } from './env-reader';
export { strictValidationPipe } from './validation.pipe';
export { DownstreamClient, downstreamClientProvider } from './downstream.client';
export type { DownstreamTarget } from './downstream.client';
export { createService, runService } from './bootstrap';
export type { NextHop, ServiceDefinition, ServiceSetup } from './service-definition';
export { loadServiceConfig } from './service-module';
export { ApiErrorResponses, ErrorBody } from './openapi/error-body';
export { currentRequestId, REQUEST_ID_HEADER } from './request-context';
export { ErrorBodyFilter } from './error-body.filter';
export { TooManyRequestsException } from './too-many-requests.exception';
export { StoreUnavailableException } from './store-unavailable.exception';
export { SHARED_REDIS, SharedRedis, SharedRedisModule } from './shared-redis';
