// nest-keycloak-s2s/client-keys: signed-JWT client authentication (private_key_jwt) — the controller that publishes
// a service's public keys, the key set and its loading from the options (the module's CLIENT_KEY_SET), and the two
// steps of a rotation (add a key, retire the old ones).
export { ClientJwksController, CLIENT_JWKS_MAX_AGE_SEC } from './nest/client-jwks.controller';
export { ClientKeySet, retireClientKeys } from './keys/client-key-set';
export type { ClientKeysOptions, PublishedJwks } from './keys/client-key-set';
export { addClientKey, readClientKeys, CLIENT_KEY_ALGORITHMS } from './keys/client-key-file';
export type { ClientKey, ClientKeyAlgorithm, ClientKeyFile } from './keys/client-key-file';
export { loadClientKeys } from './client/load-client-keys';
export { CLIENT_KEY_SET } from './core/constants';
