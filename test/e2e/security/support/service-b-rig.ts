import { signedJwtEnv } from '../../support/client-keys';
import { createServer, IncomingMessage, Server } from 'node:http';
import { CountingProxy, startCountingProxy } from '../../../../bench/keycloak-proxy/counting-proxy';
import { KEYCLOAK_URL, REALM } from '../../support/keycloak';
import { RunningService, startService } from '../../support/service-process';

/** The two validation modes every attack runs in. */
export const MODES = ['jwt', 'introspection'] as const;
/** One of {@link MODES}. */
export type Mode = (typeof MODES)[number];

/** A stand-in for service-c that counts the calls it gets: the proof that service-b did or did not call on. */
export interface CountingServiceC {
  url: string;
  /** How many requests reached it so far. */
  calls: () => number;
  /** The Authorization header of the last request. */
  lastAuthorization: () => string | undefined;
  /** The DPoP proof header of the last request. */
  lastDpop: () => string | undefined;
  stop: () => Promise<void>;
}

/** A service-b of its own for the attacks: Keycloak reached through the counting proxy, service-c counted. */
export interface ServiceBRig {
  mode: Mode;
  processUrl: string;
  serviceC: CountingServiceC;
  /** Keycloak as service-b reaches it: calls counted by kind (the benchmark's counting proxy). */
  keycloak: CountingProxy;
  serviceB: RunningService;
  stop: () => Promise<void>;
}

/** Listens on a free loopback port and resolves with the base URL. */
export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    });
  });
}

/** Closes the server, its open connections included. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}

/** Answers `POST /api/compute {value}` the way service-c does (`{result: value * 2, msg, hop}`), counting calls. */
export async function startCountingServiceC(): Promise<CountingServiceC> {
  let calls = 0;
  let lastAuthorization: string | undefined;
  let lastDpop: string | undefined;
  const server = createServer(async (req, res) => {
    calls++;
    lastAuthorization = req.headers.authorization;
    lastDpop = typeof req.headers.dpop === 'string' ? req.headers.dpop : undefined;
    const body = JSON.parse((await bodyOf(req)) || '{}') as { value?: number };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        result: (body.value ?? 0) * 2,
        msg: 'Service C successfully processed request',
        hop: { service: 'service-c (counting stand-in)' },
      }),
    );
  });
  const url = await listen(server);
  return {
    url,
    calls: () => calls,
    lastAuthorization: () => lastAuthorization,
    lastDpop: () => lastDpop,
    stop: () => close(server),
  };
}

/**
 * Starts the counting service-c, the Keycloak proxy and a service-b process in `mode` between them; `env` adds to
 * (or overrides) service-b's environment.
 */
export async function startServiceBRig(mode: Mode, env: Record<string, string> = {}): Promise<ServiceBRig> {
  const serviceC = await startCountingServiceC();
  const keycloak = await startCountingProxy(KEYCLOAK_URL);
  try {
    const serviceB = await startService('service-b', {
      KEYCLOAK_URL: keycloak.url,
      // Tokens name the Keycloak the tests reach, not the proxy.
      KEYCLOAK_ISSUER: `${KEYCLOAK_URL}/realms/${REALM}`,
      // The proxy presents Keycloak its own host: the exchange's DPoP proof names the endpoint as Keycloak sees it.
      KEYCLOAK_DPOP_HTU: 'issuer',
      CLIENT_ID: 'service-b',
      ...signedJwtEnv('service-b'),
      AUTH_MODE: mode,
      SERVICE_C_URL: serviceC.url,
      ...env,
    });
    return {
      mode,
      processUrl: `${serviceB.url}/api/process`,
      serviceC,
      keycloak,
      serviceB,
      stop: async () => {
        await serviceB.stop();
        await Promise.all([serviceC.stop(), keycloak.stop()]);
      },
    };
  } catch (error) {
    await Promise.all([serviceC.stop(), keycloak.stop()]);
    throw error;
  }
}
