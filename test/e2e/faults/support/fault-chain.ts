import { signedJwtEnv } from '../../support/client-keys';
import { RunningService, startService } from '../../support/service-process';

/** The two validation modes the faults run in. */
export const MODES = ['jwt', 'introspection'] as const;
/** One of {@link MODES}. */
export type Mode = (typeof MODES)[number];

/** One chain of the three services, every one validating in `mode`, against the fault specs' Keycloak. */
export interface FaultChain {
  mode: Mode;
  'service-a': RunningService;
  'service-b': RunningService;
  'service-c': RunningService;
  stop: () => Promise<void>;
}

/**
 * Starts service-c, then service-b towards it, then service-a towards service-b (each needs its next hop's URL),
 * all in `mode` against the Keycloak at `keycloakUrl`, with `env` on top (e.g. a short INTROSPECTION_CACHE_TTL).
 */
export async function startChain(
  mode: Mode,
  keycloakUrl: string,
  env: Record<string, string>,
): Promise<FaultChain> {
  const started: RunningService[] = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
  const start = async (name: string, extra: Record<string, string>) => {
    const service = await startService(name, {
      KEYCLOAK_URL: keycloakUrl,
      CLIENT_ID: name,
      ...signedJwtEnv(name),
      AUTH_MODE: mode,
      ...env,
      ...extra,
    });
    started.push(service);
    return service;
  };
  try {
    const serviceC = await start('service-c', {});
    const serviceB = await start('service-b', { SERVICE_C_URL: serviceC.url });
    const serviceA = await start('service-a', {
      SERVICE_B_URL: serviceB.url,
      ENABLE_PASSWORD_GRANT: 'true',
      LOGIN_RATE_LIMIT: '100000', // the load logs users in from one address
    });
    return { mode, 'service-a': serviceA, 'service-b': serviceB, 'service-c': serviceC, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
