// e2e tests talk to a real Keycloak and wait out a real token expiry: give them time.
jest.setTimeout(60_000);
