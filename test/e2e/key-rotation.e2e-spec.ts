import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { addClientKey, readClientKeys, retireClientKeys } from 'nest-keycloak-s2s/client-keys';
import { keysDirOf } from './support/client-keys';
import { post } from './support/http';
import { adminClient, stacks } from './support/keycloak';
import { SERVICE_LOG_DIR } from './support/service-logs';

const SERVICES = ['service-a', 'service-b', 'service-c'] as const;
const MODES = ['jwt', 'introspection'] as const;
const ORDER = { order_id: 4242, amount: 10 };
/** The key set's default: a new key signs this long after it was made. */
const ACTIVATION_MS = 30_000;
/** Bounds of the load: at most this long and this many iterations per chain, whatever happens. */
const LOAD_BOUND_MS = 100_000;
const MAX_ITERATIONS = 400;

interface Sample {
  mode: string;
  step: string;
  at: number;
  status: number | string;
}

/** The kids each chain's copy of `service` publishes now. */
async function publishedKids(service: (typeof SERVICES)[number]): Promise<string[][]> {
  return Promise.all(
    MODES.map(async (mode) => {
      const res = await fetch(`${stacks()[mode][service]}/.well-known/jwks.json`);
      return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();
    }),
  );
}

/** Polls `check` every 250 ms until it holds or `ms` passed; says whether it held. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(250);
  }
  return check();
}

/**
 * Rotation needs no call to Keycloak: a new key is published at once, signs only once Keycloak has certainly seen
 * it or will fetch it for its unknown kid (the activation delay), and the old one is then retired. Under a few
 * requests a second through both chains, each of which makes every service authenticate to Keycloak (a password
 * login at service-a, an exchange at service-b, introspection at service-b and -c in that chain), not one fails.
 */
describe('client key rotation under load', () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  // A user per chain, of this spec alone: Keycloak's brute-force guard sees neither a wrong password elsewhere in
  // the run nor two logins of one user in the same instant.
  const userOf = (mode: string) => `rotation-${mode}-${suffix}`;
  const passwordOf = (mode: string) => `${userOf(mode)}-password`;
  const removals: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const admin = await adminClient();
    const role = (await admin.roles.findOneByName({ name: 'orders-user' }))!;
    for (const mode of MODES) {
      const { id } = await admin.users.create({
        username: userOf(mode),
        enabled: true,
        email: `${userOf(mode)}@example.test`,
        emailVerified: true,
        firstName: 'Rota',
        lastName: 'Tion',
        credentials: [{ type: 'password', value: passwordOf(mode), temporary: false }],
      });
      await admin.users.addRealmRoleMappings({ id, roles: [{ id: role.id!, name: role.name! }] });
      removals.push(() => admin.users.del({ id }));
    }
  });
  afterAll(() => Promise.all(removals.map((remove) => remove())));

  it('publishes the next key, signs with it after the activation delay, retires the old one: 0 failed requests', async () => {
    const before = Object.fromEntries(
      SERVICES.map((s) => [s, readClientKeys(keysDirOf(s)).map((k) => k.kid)]),
    );
    const samples: Sample[] = [];
    let stop = false;
    const bound = Date.now() + LOAD_BOUND_MS;
    const record = (mode: string, step: string, status: number | string) =>
      samples.push({ mode, step, at: Date.now(), status });

    const load = async (mode: (typeof MODES)[number]) => {
      const chain = stacks()[mode];
      for (let i = 0; i < MAX_ITERATIONS && !stop && Date.now() < bound; i++) {
        try {
          const login = await post(`${chain['service-a']}/auth/token`, {
            username: userOf(mode),
            password: passwordOf(mode),
          });
          record(
            mode,
            'login at service-a',
            login.status === 200 ? 200 : `${login.status} ${JSON.stringify(login.body)}`,
          );
          if (login.status === 200) {
            const res = await post(`${chain['service-b']}/api/process`, ORDER, {
              token: login.body.access_token as string,
            });
            record(mode, 'service-b → service-c as the user', res.status);
          }
          record(mode, 'chain as service-a', (await fetch(`${chain['service-a']}/run-service-b`)).status);
        } catch (error) {
          record(mode, 'request', (error as Error).message);
        }
        await sleep(250);
      }
    };
    const running = Promise.all(MODES.map(load));

    await sleep(2_000); // load on the old keys first
    const added = Object.fromEntries(SERVICES.map((s) => [s, addClientKey(keysDirOf(s))]));
    const addedAt = Date.now();
    // Published by both copies of each service within the key set's reload interval (5 s).
    for (const service of SERVICES) {
      const expected = [...before[service], added[service]].sort();
      expect(
        await eventually(async () => (await publishedKids(service)).every((k) => eq(k, expected)), 8_000),
      ).toBe(true);
    }
    // Retiring before the new key signs is refused: the old key is still the one in use.
    expect(() => retireClientKeys(keysDirOf('service-a'))).toThrow(/signs only from/);
    await sleep(addedAt + ACTIVATION_MS + 8_000 - Date.now()); // the new keys sign; a few iterations with them
    for (const service of SERVICES) expect(retireClientKeys(keysDirOf(service))).toEqual(before[service]);
    for (const service of SERVICES)
      expect(
        await eventually(
          async () => (await publishedKids(service)).every((k) => eq(k, [added[service]])),
          8_000,
        ),
      ).toBe(true);
    await sleep(3_000); // and some more on the new key alone
    stop = true;
    await running;

    const failed = samples.filter((s) => s.status !== 200);
    process.stdout.write(`[rotation] ${samples.length} requests, ${failed.length} failed\n`);
    expect(failed).toEqual([]);
    const afterSwitch = samples.filter((s) => s.at > addedAt + ACTIVATION_MS + 1_000);
    expect(afterSwitch.filter((s) => s.step === 'login at service-a').length).toBeGreaterThanOrEqual(4);
    expect(samples.length).toBeGreaterThanOrEqual(60);
    // Every copy that calls Keycloak says it switched to the new key: what it sent after that was signed with it
    // (service-c in jwt mode validates locally and never authenticates to Keycloak).
    for (const mode of MODES)
      for (const service of SERVICES.filter((s) => mode === 'introspection' || s !== 'service-c')) {
        const file = readdirSync(SERVICE_LOG_DIR).find((f) => f.startsWith(`stack-${mode}-${service}-`))!;
        const log = readFileSync(join(SERVICE_LOG_DIR, file), 'utf8');
        expect(log).toContain(`client key ${added[service]} signs from now on`);
      }
  }, 150_000);
});

function eq(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
