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
  clientAuthMethod: 'private_key_jwt',
  mode: 'introspection',
  audience: 'service-b',
};

/** The refusal of `change`, by the resolver or (the key folder) by the loading of the keys at start. */
const refusal = (change: Partial<KeycloakAuthOptions>): string => {
  try {
    loadClientKeys(resolveKeycloakAuthOptions({ ...base, ...change }));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`options ${JSON.stringify(change)} were accepted`);
};

describe('option clientKeys of private_key_jwt', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'options-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('needs no client secret, in introspection mode too, and gives every realm the one key set', () => {
    addClientKey(dir);
    const resolved = resolveKeycloakAuthOptions({
      ...base,
      clientKeys: { dir },
      additionalRealms: [{ realm: 'partners' }],
    });
    expect(resolved.clientSecret).toBeUndefined();
    expect(resolved.realms.map((r) => r.clientKeys)).toEqual([{ dir }, { dir }]);
    expect(loadClientKeys(resolved)).toBeInstanceOf(ClientKeySet);
  });

  it('is required with private_key_jwt, and each of its keys is checked', () => {
    expect(refusal({})).toBe(
      'Invalid KeycloakAuthModule options: clientKeys: is required with clientAuthMethod private_key_jwt (a folder of key files)',
    );
    const message = refusal({
      clientKeys: {
        dir: ' ',
        generate: 'yes' as never,
        activationDelaySec: -1,
        reloadIntervalSec: Number.NaN,
      },
    });
    expect(message).toContain('clientKeys.dir: is required (the folder of key files)');
    expect(message).toContain('clientKeys.generate: must be true or false');
    expect(message).toContain('clientKeys.activationDelaySec: must be a number >= 0');
    expect(message).toContain('clientKeys.reloadIntervalSec: must be a number >= 0');
  });

  it('refuses to start on a folder without key, naming it; with generate it makes one', () => {
    expect(refusal({ clientKeys: { dir } })).toBe(
      `Invalid KeycloakAuthModule options: clientKeys.dir: ${dir} holds no key (*.key.json)`,
    );
    const generating = resolveKeycloakAuthOptions({
      ...base,
      clientKeys: { dir: join(dir, 'new'), generate: true },
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
    expect(loadClientKeys(resolveKeycloakAuthOptions({ ...base, clientKeys: keys }))).toBe(keys);
  });

  it('still asks client_secret_basic for a secret in introspection mode', () => {
    expect(refusal({ clientAuthMethod: 'client_secret_basic' })).toContain(
      'clientSecret: is required in introspection mode',
    );
  });
});
