// Stops the services and, when the setup started it, Keycloak; then scans every service's log of the run for
// tokens, client secrets and passwords (test/e2e/support/secret-scan.ts) and fails the run if one is there.
module.exports = async function globalTeardown() {
  await globalThis.__E2E_STOP__?.();
  // A TypeScript module: Jest compiles it while the teardown runs.
  const { describeFindings, scanServiceLogs } = require('./support/secret-scan.ts');
  const { files, findings } = scanServiceLogs();
  if (findings.length > 0)
    throw new Error(
      `${findings.length} token(s) or secret(s) in the services' logs (shown masked):\n${describeFindings(findings)}`,
    );
  process.stdout.write(`[e2e] log scan: ${files} service logs, no token, client secret or password\n`);
};
