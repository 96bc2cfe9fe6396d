// What the three services share that is not authentication: configuration, bootstrap, validation, next-hop HTTP.
export { serviceEnvValidator, keycloakOptionsFromEnv } from './service-env';
export type { ServiceEnv } from './service-env';
export { strictValidationPipe } from './validation.pipe';
export { DownstreamClient, downstreamClientProvider } from './downstream.client';
export type { DownstreamTarget } from './downstream.client';
export { ChainAnswer, ComputeResult, Hop, hopOf } from './hop';
export { createService, runService } from './bootstrap';
export type { ServiceDefinition, ServiceSetup } from './service-definition';
export { loadServiceConfig } from './service-module';
export { ApiErrorResponses, ErrorBody } from './openapi/error-body';
export { NUMBER_LIMIT, OrderRequestDto } from './order-request.dto';
export { currentRequestId, REQUEST_ID_HEADER } from './request-context';
export { ErrorBodyFilter } from './error-body.filter';
