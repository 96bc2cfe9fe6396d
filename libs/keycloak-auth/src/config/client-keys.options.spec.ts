import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeycloakAuthOptions } from './keycloak-auth.options';
import { resolveKeycloakAuthOptions } from './resolve-options';
import { addClientKey } from '../keys/client-key-file';
import { ClientKeySet } from '../keys/client-key-set';
import { loadClientKeys } from '../client/load-client-keys';

const base: KeycloakAuthOptions = {
  url: 'http://keycloak:8080',
  realm: 's2s',
  clientId: 'service-b',
  mode: 'introspection',
  audience: 'service-b',
};

/** `clientAuth` of private_key_jwt with `keys`. */
const signingWith = (keys: unknown): Partial<KeycloakAuthOptions> => ({
  clientAuth: { method: 'private_key_jwt', keys } as KeycloakAuthOptions['clientAuth'],
});

/** The refusal of `change`, by the resolver or (the key folder) by the loading of the keys at start. */
const refusal = (change: Partial<KeycloakAuthOptions>): string => {
  try {
    loadClientKeys(resolveKeycloakAuthOptions({ ...base, ...change }));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`options ${JSON.stringify(change)} were accepted`);
};

describe('option clientAuth.keys of private_key_jwt', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'options-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('needs no client secret, in introspection mode too, and gives every realm the one key set', () => {
    addClientKey(dir);
    const resolved = resolveKeycloakAuthOptions({
      ...base,
      ...signingWith({ dir }),
      additionalRealms: [{ realm: 'partners' }],
    });
    expect(resolved.realms.map((r) => r.clientAuth)).toEqual([
      { method: 'private_key_jwt', keys: { dir } },
      { method: 'private_key_jwt', keys: { dir } },
    ]);
    expect(loadClientKeys(resolved)).toBeInstanceOf(ClientKeySet);
  });

  it('is required with private_key_jwt, and each of its keys is checked', () => {
    expect(refusal(signingWith(undefined))).toBe(
      'Invalid KeycloakAuthModule options: clientAuth.keys: is required with method private_key_jwt (a folder of key files, or a ClientKeySet)',
    );
    const message = refusal(
      signingWith({ dir: ' ', generate: 'yes', activationDelaySec: -1, reloadIntervalSec: Number.NaN }),
    );
    expect(message).toContain('clientAuth.keys.dir: is required (the folder of key files)');
    expect(message).toContain('clientAuth.keys.generate: must be true or false');
    expect(message).toContain('clientAuth.keys.activationDelaySec: must be a number >= 0');
    expect(message).toContain('clientAuth.keys.reloadIntervalSec: must be a number >= 0');
  });

  it('refuses to start on a folder without key, naming it; with generate it makes one', () => {
    expect(refusal(signingWith({ dir }))).toBe(
      `Invalid KeycloakAuthModule options: clientAuth.keys.dir: ${dir} holds no key (*.key.json)`,
    );
    const generating = resolveKeycloakAuthOptions({
      ...base,
      ...signingWith({ dir: join(dir, 'new'), generate: true }),
    });
    expect(() => readdirSync(join(dir, 'new'))).toThrow(); // the resolver reads and writes no file
    const log = vi.fn();
    loadClientKeys(generating, log);
    expect(readdirSync(join(dir, 'new'))).toHaveLength(1);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('made a new client key'));
  });

  it('takes a key set already loaded', () => {
    addClientKey(dir);
    const keys = new ClientKeySet({ dir });
    expect(loadClientKeys(resolveKeycloakAuthOptions({ ...base, ...signingWith(keys) }))).toBe(keys);
  });

  it('refuses a secret next to the keys (the signed JWT replaces it)', () => {
    expect(refusal({ clientAuth: { method: 'private_key_jwt', keys: { dir }, secret: 's' } as never })).toBe(
      'Invalid KeycloakAuthModule options: clientAuth.secret: must not be set with method private_key_jwt (it authenticates without a shared secret)',
    );
  });
});
