// Starts (or reuses) a real Keycloak, then two copies of the chain — one validating with JWKS, one with
// introspection — exactly as `npm run stack` starts them. URLs reach the test workers through the environment.
// Every service's output also goes to artifacts/e2e-logs/, which the global teardown scans for tokens and secrets.
module.exports = async function globalSetup() {
  const { ensureKeycloak } = await import('../../scripts/keycloak.mjs');
  const { startServices } = await import('../../scripts/stack.mjs');
  // A TypeScript module: Jest compiles it while the setup runs. A fresh folder per run.
  const { serviceLogSink, SERVICE_LOG_DIR } = require('./support/service-logs.ts');
  require('node:fs').rmSync(SERVICE_LOG_DIR, { recursive: true, force: true });
  const sinks = {};
  const started = Date.now();
  const keycloak = await ensureKeycloak({
    port: Number(process.env.KEYCLOAK_PORT ?? 8080),
    log: (line) => process.stdout.write(`[keycloak] ${line}\n`),
  });
  const free = { 'service-a': 'free', 'service-b': 'free', 'service-c': 'free' };
  const stacks = {};
  const handles = [];
  try {
    for (const mode of ['jwt', 'introspection']) {
      const stack = await startServices({
        keycloakUrl: keycloak.url,
        ports: free,
        authModes: { 'service-a': mode, 'service-b': mode, 'service-c': mode },
        onOutput: (name, chunk) => {
          (sinks[`${mode}:${name}`] ??= serviceLogSink(`stack-${mode}-${name}`)).write(chunk);
          if (process.env.E2E_VERBOSE) process.stdout.write(`[${mode}:${name}] ${chunk}`);
        },
      });
      handles.push(stack);
      stacks[mode] = stack.urls;
    }
  } catch (error) {
    await Promise.all(handles.map((h) => h.stop()));
    await keycloak.stop();
    throw error;
  }
  process.env.E2E_KEYCLOAK_URL = keycloak.url;
  process.env.E2E_STACKS = JSON.stringify(stacks);
  globalThis.__E2E_STOP__ = async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await keycloak.stop();
  };
  process.stdout.write(
    `\n[e2e] Keycloak and two chains ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
};
