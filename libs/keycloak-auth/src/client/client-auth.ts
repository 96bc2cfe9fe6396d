import * as oidc from 'openid-client';
import type { ResolvedRealm } from '../config/keycloak-auth.options';
import { federatedJwt } from './federated-jwt';
import { privateKeyJwt } from './private-key-jwt';

/**
 * The openid-client ClientAuth of every call this service makes to `realm`. `client_secret_basic` sends the secret
 * in HTTP Basic (RFC 6749 §2.3.1, Keycloak's default client authenticator); a client without a secret is a
 * public client and only names itself (`client_id` in the form). `private_key_jwt` signs a fresh assertion per
 * request with the realm's current client key ({@link privateKeyJwt}). `federated_jwt` sends the token in
 * `clientAssertionFile` as `client_assertion`, read anew at every call.
 */
export function clientAuthOf(realm: ResolvedRealm): oidc.ClientAuth {
  switch (realm.clientAuthMethod) {
    case 'client_secret_basic':
      return realm.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(realm.clientSecret);
    case 'private_key_jwt':
      // resolveKeycloakAuthOptions refuses private_key_jwt without clientKeys: this is never reached.
      if (realm.clientKeys === undefined) throw new Error('private_key_jwt needs the option clientKeys');
      return privateKeyJwt(realm.clientKeys);
    case 'federated_jwt':
      // resolveKeycloakAuthOptions requires the file with this method.
      return federatedJwt(realm.clientAssertionFile!);
  }
}
