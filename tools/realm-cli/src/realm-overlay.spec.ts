import { join } from 'node:path';
import { CliError } from './cli-error';
import { loadRealmFile } from './realm-file';
import { loadRealmOverlay, withOverlay } from './realm-overlay';

const root = join(__dirname, '..', '..', '..');

describe('withOverlay', () => {
  const file = {
    realm: 's2s',
    clients: [
      { clientId: 'a', clientAuthenticatorType: 'client-secret', secret: 'dev', attributes: { keep: '1' } },
      { clientId: 'b', secret: 'dev-b' },
    ],
  };

  it('sets the overlay’s client fields over the file’s, merges attributes, and drops the secret of a client moved off client-secret', () => {
    const merged = withOverlay(file, {
      clients: [
        {
          clientId: 'a',
          clientAuthenticatorType: 'federated-jwt',
          attributes: { 'jwt.credential.sub': 's' },
        },
      ],
      identityProviders: [
        { alias: 'kubernetes', providerId: 'kubernetes', config: { issuer: 'https://k8s' } },
      ],
    });
    expect(merged.clients).toEqual([
      {
        clientId: 'a',
        clientAuthenticatorType: 'federated-jwt',
        attributes: { keep: '1', 'jwt.credential.sub': 's' },
      },
      { clientId: 'b', secret: 'dev-b' },
    ]);
    expect(merged.identityProviders).toEqual([
      { alias: 'kubernetes', providerId: 'kubernetes', config: { issuer: 'https://k8s' } },
    ]);
    expect(file.clients[0]).toMatchObject({ secret: 'dev', clientAuthenticatorType: 'client-secret' }); // not mutated
  });

  it('refuses an overlay client the file does not have', () => {
    expect(() => withOverlay(file, { clients: [{ clientId: 'c' }] })).toThrow(
      new CliError('realm overlay: client c is not in the realm file'),
    );
  });

  it('deploy/realm-kubernetes.json turns every client of realm-export.json into a federated-jwt client without a secret', () => {
    const realm = loadRealmFile(join(root, 'realm-export.json'));
    const merged = withOverlay(realm, loadRealmOverlay(join(root, 'deploy', 'realm-kubernetes.json')));
    expect(merged.clients?.map((c) => [c.clientId, c.clientAuthenticatorType, c.secret])).toEqual(
      realm.clients?.map((c) => [c.clientId, 'federated-jwt', undefined]),
    );
    expect(JSON.stringify(merged.clients)).not.toMatch(/dev-secret/);
  });

  it('names an overlay it cannot use', () => {
    expect(() => loadRealmOverlay('/nonexistent.json')).toThrow(
      /cannot read the realm overlay \/nonexistent.json \(ENOENT\)/,
    );
  });
});
