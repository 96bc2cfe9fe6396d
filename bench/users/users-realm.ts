import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { loadRealmFile } from '../../tools/realm-cli/src/realm-file';
import { benchAdmin } from '../keycloak-admin';

/** The public client the users part logs its users in with (password grant), in its throw-away realm only. */
export const LOGIN_CLIENT = 'bench-users-login';
/** The dev-only password of every user of the throw-away realm. */
export const USER_PASSWORD = 'bench-users-dev-password';
/** Users per partial import. */
const BATCH = 500;
/**
 * Seconds the realm's tokens and sessions live: longer than the whole part, so that no token and no exchanged token
 * is renewed during a measurement (the library renews an outgoing token near its end).
 */
const LIFETIME_SEC = 4 * 3600;
/**
 * Keycloak's password policy keys (policy ids `hashAlgorithm`, `hashIterations`): one PBKDF2 iteration makes a
 * password grant cheap, so that 10 000 logins take seconds. In this throw-away realm only.
 */
const CHEAP_PASSWORDS = 'hashAlgorithm(pbkdf2-sha256) and hashIterations(1)';

/** User number `i` (from 0) of the throw-away realm. */
export function userName(i: number): string {
  return `bench-user-${String(i).padStart(6, '0')}`;
}

/** The realm the users part runs in, made and removed through the admin API. */
export interface UsersRealm {
  realm: string;
  /** Creates users 0 … count − 1 (role orders-user, {@link USER_PASSWORD}) in batches. */
  addUsers: (count: number, log: (line: string) => void) => Promise<void>;
  /** Deletes the realm, its users and their sessions. */
  remove: () => Promise<void>;
}

const adminOf = benchAdmin;

/**
 * Creates realm-export.json's realm under a random name, with cheap password hashing, tokens and sessions that
 * outlive the run, and {@link LOGIN_CLIENT}: public, password grant, service-a's default scopes (so its tokens carry
 * aud service-b and orders.read, as service-a's users' tokens do).
 */
export async function createUsersRealm(keycloakUrl: string): Promise<UsersRealm> {
  const realm = `bench-users-${randomBytes(3).toString('hex')}`;
  const file = loadRealmFile(join(__dirname, '..', '..', 'realm-export.json'), realm);
  const serviceA = (file.clients ?? []).find((client) => client.clientId === 'service-a');
  if (!serviceA) throw new Error('realm-export.json has no client service-a');
  const representation = {
    ...file,
    passwordPolicy: CHEAP_PASSWORDS,
    accessTokenLifespan: LIFETIME_SEC,
    ssoSessionIdleTimeout: LIFETIME_SEC,
    ssoSessionMaxLifespan: LIFETIME_SEC,
    clients: [
      ...(file.clients ?? []),
      {
        clientId: LOGIN_CLIENT,
        publicClient: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: true,
        defaultClientScopes: serviceA.defaultClientScopes,
      },
    ],
  };
  const admin = await adminOf(keycloakUrl, realm);
  await admin.realms.create(representation as Parameters<KcAdminClient['realms']['create']>[0]);
  return {
    realm,
    addUsers: (count, log) => addUsers(admin, realm, count, log),
    remove: () => admin.realms.del({ realm }),
  };
}

async function addUsers(
  admin: KcAdminClient,
  realm: string,
  count: number,
  log: (line: string) => void,
): Promise<void> {
  for (let from = 0; from < count; from += BATCH) {
    const users = Array.from({ length: Math.min(BATCH, count - from) }, (_, k) => {
      const username = userName(from + k);
      // Every attribute the realm's user profile requires: a user without them cannot log in.
      return {
        username,
        enabled: true,
        email: `${username}@example.invalid`,
        emailVerified: true,
        firstName: 'Bench',
        lastName: `User ${from + k}`,
        realmRoles: ['orders-user'],
        credentials: [{ type: 'password', value: USER_PASSWORD, temporary: false }],
      };
    });
    await admin.realms.partialImport({ realm, rep: { ifResourceExists: 'FAIL', users } });
    if ((from / BATCH) % 4 === 3) log(`${from + users.length} of ${count} users created`);
  }
  await checkCheapHash(admin, realm);
}

/** Fails when Keycloak stored the first user's password otherwise than the realm's policy says (a changed key). */
async function checkCheapHash(admin: KcAdminClient, realm: string): Promise<void> {
  const [user] = await admin.users.find({ realm, username: userName(0), exact: true });
  const credentials = await admin.users.getCredentials({ realm, id: user?.id ?? '' });
  const data = JSON.parse(credentials.find((c) => c.type === 'password')?.credentialData ?? '{}') as {
    algorithm?: string;
    hashIterations?: number;
  };
  if (data.algorithm !== 'pbkdf2-sha256' || data.hashIterations !== 1)
    throw new Error(
      `the password policy "${CHEAP_PASSWORDS}" was not applied (stored: ${data.algorithm}, ${data.hashIterations} iterations)`,
    );
}
