import 'reflect-metadata';
import { AppModule } from './app.module.js';
import { createApp } from './platform.js';

/** Listens on HOST:PORT as service-b of the realm s2s on the Keycloak at KEYCLOAK_URL. */
async function main(): Promise<void> {
  const app = await createApp(
    AppModule.register({
      url: String(process.env.KEYCLOAK_URL),
      realm: 's2s',
      clientId: 'service-b',
      // A signed JWT with the keys in CLIENT_KEYS_DIR (no shared secret); CLIENT_SECRET otherwise.
      clientAuth: process.env.CLIENT_KEYS_DIR
        ? { method: 'private_key_jwt', keys: { dir: process.env.CLIENT_KEYS_DIR } }
        : { method: 'client_secret_basic', secret: String(process.env.CLIENT_SECRET) },
      mode: 'jwt',
      audience: 'service-b',
      dpop: { policy: 'allowed' }, // DPoP-bound tokens too, so the challenges offer both schemes
    }),
  );
  await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
}

void main();
