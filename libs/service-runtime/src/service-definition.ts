import type { Type } from '@nestjs/common';
import type { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ServiceEnv } from './service-env';

/** Service-specific setup run before the service listens, e.g. registering a Fastify plugin. */
export type ServiceSetup = (app: NestFastifyApplication) => Promise<void>;

/** What makes one of the chain's services: its name and module, its environment's defaults, its API's summary. */
export interface ServiceDefinition {
  /** `service-a`, …: the `service` of its log lines, the default `CLIENT_ID`, the title of its OpenAPI document. */
  name: string;
  /** One sentence on what it does: the description of its OpenAPI document. */
  description: string;
  /** Its own controllers and providers; the runtime adds configuration, auth, logs, health, metrics and docs. */
  module: Type<unknown>;
  /** Its development defaults, each overridden by the environment. */
  defaults: Partial<Record<keyof ServiceEnv, string>>;
  /** The next hop's URL key, which must then be set (or defaulted). */
  requiredUrls?: ('SERVICE_B_URL' | 'SERVICE_C_URL')[];
  /** Run before it listens. */
  setup?: ServiceSetup;
  /**
   * KeycloakAuthModule options set in code, on top of those from the environment (which has no key to weaken
   * authentication). The benchmark's no-auth chain sets `globalGuard: false` here; the services set nothing.
   */
  auth?: Partial<KeycloakAuthOptions>;
}
