// Starts a named Keycloak instance through scripts/keycloak.mjs's ensureKeycloak, for the fault specs: Jest's
// CommonJS workers cannot import that ES module, so they run this file as a child process. It returns once
// Keycloak is ready and leaves it running (detached); `node scripts/keycloak.mjs stop --instance <name>` stops it.
//   node keycloak-instance.mjs '{"instance":"faults","port":8481,"managementPort":9481,"fresh":false}'
import { ensureKeycloak } from '../../../../scripts/keycloak.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');
try {
  await ensureKeycloak({ ...options, log: (line) => console.log(line) });
  process.exit(0);
} catch (error) {
  console.error(error.message ?? error);
  process.exit(1);
}
