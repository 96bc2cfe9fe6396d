import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bffEnv } from '../../apps/service-a/src/bff/bff-env';
import { serviceEnvValidator, type ServiceEnv } from '../../libs/service-runtime/src/service-env';

/** Keys naming a file the pod mounts (checked against the manifests' mounts elsewhere): here, a local stand-in. */
const MOUNTED_FILES = ['CLIENT_ASSERTION_FILE'];

/** The three services and the variable naming each one's next hop (the required URLs of their AppModule). */
export const SERVICES: Record<string, { nextHop?: { key: string; service: string } }> = {
  'service-a': { nextHop: { key: 'SERVICE_B_URL', service: 'service-b' } },
  'service-b': { nextHop: { key: 'SERVICE_C_URL', service: 'service-c' } },
  'service-c': {},
};

/**
 * Runs a service's own configuration check on `env` with none of the development defaults (localhost Keycloak,
 * localhost next hop): what a container or a pod must set itself. Throws the service's "Invalid configuration"
 * message naming each missing or malformed key. A file the pod mounts is replaced by a local one, since the check
 * reads it as the service would at start.
 */
export function checkDeployedEnv(service: string, env: Record<string, string>): ServiceEnv {
  const nextHop = SERVICES[service].nextHop;
  const local = { ...env };
  for (const key of MOUNTED_FILES) {
    if (local[key] === undefined) continue;
    local[key] = join(mkdtempSync(join(tmpdir(), 'mounted-')), 'file');
    writeFileSync(local[key], 'mounted');
  }
  // The key folder exists only in the container (a volume): the check makes a throw-away one in its place.
  if (local.CLIENT_KEYS_DIR !== undefined) {
    local.CLIENT_KEYS_DIR = join(mkdtempSync(join(tmpdir(), 'mounted-keys-')), 'keys');
    local.CLIENT_KEYS_GENERATE = 'true';
  }
  return serviceEnvValidator({
    defaults: {},
    nextHop: nextHop && { name: nextHop.service, urlKey: nextHop.key },
    // service-a's own keys (its sessions, its login limits) are checked too.
    env: service === 'service-a' ? bffEnv : undefined,
  })(local);
}
