// Stops the services and, when the setup started it, Keycloak.
module.exports = async function globalTeardown() {
  await globalThis.__E2E_STOP__?.();
};
