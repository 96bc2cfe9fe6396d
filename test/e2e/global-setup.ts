import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { E2E_KEYS_DIR } from './support/client-keys';
import type { Stack } from './support/keycloak';
import { describeFindings, scanServiceLogs } from './support/secret-scan';
import { serviceLogSink, SERVICE_LOG_DIR } from './support/service-logs';

/** What scripts/keycloak.mjs and scripts/stack.mjs (plain ES modules, no type declarations) give the setup. */
interface Stoppable {
  stop: () => Promise<void>;
}
interface Launchers {
  ensureKeycloak(options: {
    port: number;
    env?: Record<string, string>;
    log: (line: string) => void;
  }): Promise<Stoppable & { url: string }>;
  startServices(options: {
    keycloakUrl: string;
    ports: Record<string, 'free'>;
    authModes: Record<string, string>;
    env?: Record<string, string>;
    onOutput: (name: string, chunk: string) => void;
    keysDir: string;
  }): Promise<Stoppable & { urls: Stack }>;
  pointJwksUrls(keycloakUrl: string, urls: Stack): Promise<void>;
}

/**
 * Keycloak 26 with brute-force protection refuses a user's login while another login of the same user is under
 * way on the server ("Invalid user credentials" for the right password): two test files that log alice in at the
 * same moment would fail each other. The tests' Keycloak lets concurrent logins through; every other rule of the
 * realm's brute-force protection (failures counted, the quick-login lock) stays on. The stack keeps the default.
 */
const CONCURRENT_LOGINS = {
  KC_SPI_BRUTE_FORCE_PROTECTOR_DEFAULT_BRUTE_FORCE_DETECTOR_ALLOW_CONCURRENT_REQUESTS: 'true',
};

/** The launchers `npm run stack` uses, through a computed specifier (they have no type declarations). */
async function launchers(): Promise<Launchers> {
  const scripts = join(__dirname, '..', '..', 'scripts');
  const [keycloak, stack] = await Promise.all([
    import(join(scripts, 'keycloak.mjs')),
    import(join(scripts, 'stack.mjs')),
  ]);
  return {
    ensureKeycloak: keycloak.ensureKeycloak,
    startServices: stack.startServices,
    pointJwksUrls: stack.pointJwksUrls,
  };
}

/**
 * Starts (or reuses) a real Keycloak, then two copies of the chain — one validating with JWKS, one with
 * introspection — exactly as `npm run stack` starts them, signing with one set of fresh keys whose JWKS URL the
 * realm's clients are pointed at, and provides their URLs to the specs. Every service's
 * output also goes to artifacts/e2e-logs/. The returned teardown stops them (Keycloak only if this setup started
 * it), then scans every service's log of the run for tokens, client secrets and passwords (./support/secret-scan.ts)
 * and fails the run if one is there.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { ensureKeycloak, startServices, pointJwksUrls } = await launchers();
  rmSync(SERVICE_LOG_DIR, { recursive: true, force: true }); // a fresh folder per run
  rmSync(E2E_KEYS_DIR, { recursive: true, force: true }); // fresh key pairs per run, made by the first chain
  const sinks: Record<string, ReturnType<typeof serviceLogSink>> = {};
  const started = Date.now();
  const keycloak = await ensureKeycloak({
    port: Number(process.env.KEYCLOAK_PORT ?? 8080),
    env: CONCURRENT_LOGINS,
    log: (line) => process.stdout.write(`[keycloak] ${line}\n`),
  });
  const free = { 'service-a': 'free', 'service-b': 'free', 'service-c': 'free' } as const;
  const stacks: Partial<Record<'jwt' | 'introspection', Stack>> = {};
  const handles: Stoppable[] = [];
  const stop = async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await keycloak.stop();
  };
  try {
    for (const mode of ['jwt', 'introspection'] as const) {
      const stack = await startServices({
        keycloakUrl: keycloak.url,
        ports: free,
        authModes: { 'service-a': mode, 'service-b': mode, 'service-c': mode },
        keysDir: E2E_KEYS_DIR, // both chains sign with the same keys: Keycloak has one jwks.url per client
        // Every spec logs in from 127.0.0.1: the login routes' per-address limit is login-limits.e2e-spec.ts's to test.
        env: { LOGIN_RATE_LIMIT: '100000' },
        onOutput: (name, chunk) => {
          (sinks[`${mode}:${name}`] ??= serviceLogSink(`stack-${mode}-${name}`)).write(chunk);
          if (process.env.E2E_VERBOSE) process.stdout.write(`[${mode}:${name}] ${chunk}`);
        },
      });
      handles.push(stack);
      stacks[mode] = stack.urls;
    }
    // The realm's clients read the keys from the jwt chain (both chains serve the same ones).
    await pointJwksUrls(keycloak.url, stacks.jwt!);
  } catch (error) {
    await stop();
    throw error;
  }
  project.provide('e2eKeycloakUrl', keycloak.url);
  project.provide('e2eStacks', stacks as Record<'jwt' | 'introspection', Stack>);
  process.stdout.write(
    `\n[e2e] Keycloak and two chains ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );

  return async function teardown() {
    await stop();
    const { files, findings } = scanServiceLogs();
    if (findings.length > 0)
      throw new Error(
        `${findings.length} token(s) or secret(s) in the services' logs (shown masked):\n${describeFindings(findings)}`,
      );
    process.stdout.write(`[e2e] log scan: ${files} service logs, no token, client secret or password\n`);
  };
}
