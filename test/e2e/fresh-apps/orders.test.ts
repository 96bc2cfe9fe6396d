import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { INestApplication } from '@nestjs/common';
import { LocalIdp } from 'nest-keycloak-s2s/testing';
import { AppModule } from './app.module.js';
import { createApp } from './platform.js';

let idp: LocalIdp;
let app: INestApplication;
let url: string;

before(async () => {
  // The local realm's neutral defaults (my-client calling my-service), with the scope GET /orders requires.
  idp = await LocalIdp.start({ claims: { scope: 'orders.read' } });
  app = await createApp(AppModule.register(idp.moduleOptions()));
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
});

after(async () => {
  await app.close();
  await idp.stop();
});

test('a token the local realm signed with orders.read reaches GET /orders', async () => {
  const res = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${await idp.issue()}` } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { orders: [] });
});

test('GET /orders without a token is refused with 401', async () => {
  const res = await fetch(`${url}/orders`);
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="local-idp"/);
});
