import { signedJwtEnv } from '../../support/client-keys';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { post } from '../../support/http';
import { adminClient, pointJwksUrls, REALM } from '../../support/keycloak';
import { RunningService, startService } from '../../support/service-process';
import { FaultChain, Mode, MODES, startChain } from './fault-chain';
import { FaultsKeycloak, prepareFaultsKeycloak } from './faults-keycloak';
import { LoadOptions, LoadResult, runLoad, Sample } from './load';
import { WatchTarget } from './revocation-watch';

/** The body every fault case sends to service-a and service-b. */
export const ORDER = { order_id: 4242, amount: 10, value: 5 };

/** What the Keycloak fault spec works with: its own Keycloak, a chain per mode, and a probe service-b. */
export interface FaultsRig {
  keycloak: FaultsKeycloak;
  /** `path` on `service` of the chain in `mode`. */
  url: (mode: Mode, service: 'service-a' | 'service-b' | 'service-c', path: string) => string;
  /** A jwt-mode service-b whose JWKS is refetched every few seconds: where a removed key is seen to be dropped. */
  jwksProbe: RunningService;
  /** A fresh admin login each time (the master realm's admin tokens live 60 s), on the demo realm. */
  admin: () => Promise<KcAdminClient>;
  setAccessTokenLifespan: (seconds: number) => Promise<void>;
  /**
   * The same bounded load on both chains (results in {@link MODES} order): service-a's `POST /api/chain`, or
   * service-b's `POST /api/process` with whatever token `current()` returns at the time. 10 requests in flight
   * per chain unless `options` say otherwise; `onAnswer` sees each chain's answers.
   */
  load: (
    target:
      { service: 'service-a' } | { service: 'service-b'; current: () => { token: string; label: string } },
    options: Pick<LoadOptions, 'ratePerSec' | 'durationMs'> & Partial<Omit<LoadOptions, 'onAnswer'>>,
    onAnswer?: (mode: Mode, sample: Sample, body: string) => void,
  ) => Promise<LoadResult[]>;
  stop: () => Promise<void>;
}

/**
 * Starts the fault specs' Keycloak and, side by side (the services need Keycloak only once requests come), a
 * jwt and an introspection chain with `env`; then the probe service-b with JWKS_CACHE_MAX_AGE=`probeJwksMaxAgeSec`.
 */
export async function startFaultsRig(
  env: Record<string, string>,
  probeJwksMaxAgeSec: number,
): Promise<FaultsRig> {
  const keycloak = await prepareFaultsKeycloak();
  const chains = new Map<Mode, FaultChain>();
  let jwksProbe: RunningService | undefined;
  const stop = async () => {
    await Promise.all([...chains.values()].map((c) => c.stop()));
    await jwksProbe?.stop();
    await keycloak.stop();
  };
  try {
    const results = await Promise.allSettled([
      keycloak.start(),
      ...MODES.map((mode) => startChain(mode, keycloak.url, env).then((chain) => chains.set(mode, chain))),
    ]);
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    // Both chains sign with the run's e2e keys: this Keycloak reads them from the jwt chain.
    const jwt = chains.get('jwt')!;
    await pointJwksUrls(
      {
        'service-a': jwt['service-a'].url,
        'service-b': jwt['service-b'].url,
        'service-c': jwt['service-c'].url,
      },
      keycloak.url,
    );
    jwksProbe = await startService('service-b', {
      KEYCLOAK_URL: keycloak.url,
      CLIENT_ID: 'service-b',
      ...signedJwtEnv('service-b'),
      AUTH_MODE: 'jwt',
      JWKS_CACHE_MAX_AGE: String(probeJwksMaxAgeSec),
      SERVICE_C_URL: chains.get('jwt')!['service-c'].url,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const url: FaultsRig['url'] = (mode, service, path) => `${chains.get(mode)![service].url}${path}`;
  const admin = () => adminClient(keycloak.url);
  return {
    keycloak,
    url,
    jwksProbe,
    admin,
    setAccessTokenLifespan: async (seconds) => {
      await (await admin()).realms.update({ realm: REALM }, { accessTokenLifespan: seconds });
    },
    load: (target, options, onAnswer) =>
      Promise.all(
        MODES.map((mode) =>
          runLoad({
            request: () => {
              const body = JSON.stringify(ORDER);
              if (target.service === 'service-a') return { url: url(mode, 'service-a', '/api/chain'), body };
              const { token, label } = target.current();
              const headers = { authorization: `Bearer ${token}` };
              return { url: url(mode, 'service-b', '/api/process'), headers, body, label };
            },
            concurrency: 10,
            requestTimeoutMs: 10_000,
            ...options,
            onAnswer: onAnswer && ((sample, body) => onAnswer(mode, sample, body)),
          }),
        ),
      ),
    stop,
  };
}

/** Sends each target's token once, all at once, and expects 200 everywhere. */
export async function expectAccepted(targets: WatchTarget[]): Promise<void> {
  const answers = await Promise.all(
    targets.map((t) => post(t.url, t.body, { token: t.token, dpop: t.dpop })),
  );
  expect(answers.map((a, i) => `${targets[i].name}: ${a.status}`)).toEqual(
    targets.map((t) => `${t.name}: 200`),
  );
}
