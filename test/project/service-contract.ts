import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceEnvValidator, type ServiceEnv } from '../../libs/service-runtime/src/service-env';

/** The three services and the variable naming each one's next hop (the required URLs of their AppModule). */
export const SERVICES: Record<string, { nextHop?: { key: keyof ServiceEnv; service: string } }> = {
  'service-a': { nextHop: { key: 'SERVICE_B_URL', service: 'service-b' } },
  'service-b': { nextHop: { key: 'SERVICE_C_URL', service: 'service-c' } },
  'service-c': {},
};

/**
 * Runs a service's own configuration check on `env` with none of the development defaults (localhost Keycloak,
 * localhost next hop): what a container or a pod must set itself. Throws the service's "Invalid configuration"
 * message naming each missing or malformed key.
 */
export function checkDeployedEnv(service: string, env: Record<string, string>): ServiceEnv {
  const nextHop = SERVICES[service].nextHop;
  // The key folder exists only in the container (a volume): the check reads a throw-away one in its place.
  const keys = mkdtempSync(join(tmpdir(), 'deployed-keys-'));
  try {
    const local = env.CLIENT_KEYS_DIR ? { ...env, CLIENT_KEYS_DIR: keys, CLIENT_KEYS_GENERATE: 'true' } : env;
    return serviceEnvValidator({}, nextHop ? [nextHop.key] : [])(local);
  } finally {
    rmSync(keys, { recursive: true, force: true });
  }
}
