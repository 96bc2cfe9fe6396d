import * as oidc from 'openid-client';
import type { ResolvedRealm } from '../config/keycloak-auth.options';
import { federatedJwt } from './federated-jwt';
import { ClientKeySet } from '../keys/client-key-set';
import { privateKeyJwt } from './private-key-jwt';

/**
 * The openid-client ClientAuth of every call this service makes to `realm`. `client_secret_basic` sends the secret
 * in HTTP Basic (RFC 6749 §2.3.1, Keycloak's default client authenticator); a client without a secret is a
 * public client and only names itself (`client_id` in the form). `private_key_jwt` signs a fresh assertion per
 * request with the current key of `keys` (what `loadClientKeys` read; else the realm's `clientAuth.keys`, when given as
 * a loaded set). `federated_jwt` sends the token in `clientAuth.assertionFile` as `client_assertion`, read anew at every
 * call.
 */
export function clientAuthOf(realm: ResolvedRealm, keys?: ClientKeySet): oidc.ClientAuth {
  const auth = realm.clientAuth;
  switch (auth.method) {
    case 'client_secret_basic':
      return auth.secret === undefined ? oidc.None() : oidc.ClientSecretBasic(auth.secret);
    case 'private_key_jwt': {
      const set = keys ?? (auth.keys instanceof ClientKeySet ? auth.keys : undefined);
      if (set === undefined)
        throw new Error('keycloak-auth: private_key_jwt needs the key set: loadClientKeys(options)');
      return privateKeyJwt(set);
    }
    case 'federated_jwt':
      return federatedJwt(auth.assertionFile);
  }
}
