import type { Type } from '@nestjs/common';
import type { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EnvReader } from './env-reader';
import type { ServiceEnv } from './service-env';

/** Service-specific setup run before the service listens, e.g. registering a Fastify plugin. */
export type ServiceSetup = (app: NestFastifyApplication) => Promise<void>;

/** The service this one calls: its name (errors, readiness) and the environment key of its base URL. */
export interface NextHop {
  /** e.g. `service-c`: named in 502/504 answers and in readiness. */
  name: string;
  /** e.g. `SERVICE_C_URL`: required (or defaulted); the validated URL is `NEXT_HOP_URL`. */
  urlKey: string;
}

/** What makes one service: its name and module, its environment's defaults and own keys, its API's summary. */
export interface ServiceDefinition {
  /** `service-a`, …: the `service` of its log lines, the default `CLIENT_ID`, the title of its OpenAPI document. */
  name: string;
  /** One sentence on what it does: the description of its OpenAPI document. */
  description: string;
  /** Its own controllers and providers; the runtime adds configuration, auth, logs, health, metrics and docs. */
  module: Type<unknown>;
  /** Its development defaults, each overridden by the environment. */
  defaults: Partial<Record<string, string>>;
  /** The service it calls, if any: readiness checks it, {@link downstreamClientProvider} calls it. */
  nextHop?: NextHop;
  /**
   * Its own environment keys, read with the same reader (problems reported with the common keys' in one message)
   * and added to the validated configuration.
   */
  env?: (read: EnvReader, common: ServiceEnv) => object;
  /** Run before it listens. */
  setup?: ServiceSetup;
  /**
   * KeycloakAuthModule options set in code, on top of those from the environment (which has no key to weaken
   * authentication). The benchmark's no-auth chain sets `globalGuard: false` here; the services set nothing.
   */
  auth?: Partial<KeycloakAuthOptions>;
}
