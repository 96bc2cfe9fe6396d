import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainAnswer, Hop } from '@app/chain';
import { Browser, chromium, Page } from 'playwright-core';
import { USERS } from '../e2e/support/keycloak';
import { expectOneScopePerHop } from '../e2e/support/least-privilege';
import { realmSecrets, scanText } from '../e2e/support/secret-scan';
import { ComposeSystem, PROJECT, PUBLISHED } from './support/compose';

// The front door, opened for real: the unchanged docker-compose.yml and Dockerfile, built and run with `docker
// compose` on the project's own Docker engine (scripts/docker-engine.mjs), the image variables pointed at local
// stand-ins (scripts/docker-standins.mjs) because no image registry is reachable here. Every check goes through the
// ports the file publishes, as a user's browser and curl would. The tests run in order: each restart builds on the
// state the tests before it left (alice's session above all).

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'artifacts', 'compose');
/** Debian's Chromium (`.ci/run` installs the package); another build can be named by CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SERVICES = ['service-a', 'service-b', 'service-c'] as const;
const ALL = ['postgres', 'redis', 'keycloak', ...SERVICES];

const log = (line: string) => process.stdout.write(`[compose] ${line}\n`);

/** What the job measured, written to artifacts/compose/report.json and printed at the end. */
const report: Record<string, unknown> = {};

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: (await res.json()) as T };
}

/** `GET /run-service-b` on service-a's published port: the chain as service-a, checked hop by hop. */
async function expectServiceChain(): Promise<Hop[]> {
  const { status, body } = await json<ChainAnswer>(`${PUBLISHED['service-a']}/run-service-b`);
  expect({ status, result: body.service_c?.result }).toEqual({ status: 200, result: 20 });
  expect(body.hops.map((hop) => [hop.service, hop.azp])).toEqual([
    ['service-b', 'service-a'],
    ['service-c', 'service-b'],
  ]);
  expectOneScopePerHop(body.hops, 'service');
  return body.hops;
}

/** The dev-only bootstrap admin's token at the published Keycloak (docker-compose.yml's KC_BOOTSTRAP_ADMIN_*). */
async function adminHeaders(): Promise<Record<string, string>> {
  const { status, body } = await json<{ access_token: string }>(
    `${PUBLISHED.keycloak}/realms/master/protocol/openid-connect/token`,
    {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: 'admin',
        password: 'admin',
      }),
    },
  );
  expect(status).toBe(200);
  return { authorization: `Bearer ${body.access_token}` };
}

/** The realm's id (a new import would make a new one) and the ids of alice's sessions at Keycloak. */
async function realmState(): Promise<{ realmId: string; aliceSessions: string[] }> {
  const headers = await adminHeaders();
  const admin = `${PUBLISHED.keycloak}/admin/realms/s2s`;
  const realm = await json<{ id: string }>(admin, { headers });
  const [alice] = (await json<{ id: string }[]>(`${admin}/users?username=alice&exact=true`, { headers }))
    .body;
  const sessions = await json<{ id: string }[]>(`${admin}/users/${alice.id}/sessions`, { headers });
  return { realmId: realm.body.id, aliceSessions: sessions.body.map((s) => s.id) };
}

/** The kids of a service's published signing keys (its /.well-known/jwks.json). */
async function keyIds(service: (typeof SERVICES)[number]): Promise<string[]> {
  const { body } = await json<{ keys: { kid: string }[] }>(`${PUBLISHED[service]}/.well-known/jwks.json`);
  return body.keys.map((key) => key.kid).sort();
}

describe('docker compose up: the whole system in containers, from the unchanged docker-compose.yml', () => {
  let system: ComposeSystem;
  let browser: Browser;
  let alice: Page;
  let buildOutput = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install Debian's chromium package or set CHROMIUM_PATH`,
      );
    mkdirSync(ARTIFACTS, { recursive: true });
    const started = Date.now();
    system = await ComposeSystem.prepare(log);
    report.compose = system.composeVersion;
    report.engineAndStandinsSeconds = (Date.now() - started) / 1000;
    // Start from nothing: no container, volume or service image of an earlier run, nor the build cache it left (the
    // classic builder's cache is the untagged layers below those images), so the first build is a cold one — as on
    // a fresh machine — and npm's output is seen. The stand-ins stay: they are tagged.
    await system.compose(['down', '--volumes', '--remove-orphans', '--rmi', 'local']);
    await system.docker(['image', 'prune', '--force']);
    let at = Date.now();
    const build = await system.compose(['build']);
    buildOutput = `${build.stdout}${build.stderr}`;
    report.buildSeconds = (Date.now() - at) / 1000;
    at = Date.now();
    await system.compose(['build']);
    report.rebuildUnchangedSeconds = (Date.now() - at) / 1000;
    log(
      `images built in ${report.buildSeconds} s (again, nothing changed: ${report.rebuildUnchangedSeconds} s)`,
    );
    report.firstUpSeconds = await system.upAndWait();
    log(`all containers healthy ${report.firstUpSeconds} s after \`up\``);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    if (system) {
      // What every container printed, kept for a failed run; the last test already took them down.
      for (const name of ALL) {
        const text = await system.logs(name).catch(() => '');
        if (text) writeFileSync(join(ARTIFACTS, `${name}.log`), text);
      }
      await system.close();
    }
    writeFileSync(join(ARTIFACTS, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    log(`report: ${JSON.stringify(report)}`);
  });

  it("built the services' images with npm saying nothing it warns about (install scripts, --force…)", () => {
    expect(buildOutput).toMatch(/added \d+ packages/); // npm's own output is in what the build printed
    expect(buildOutput).not.toMatch(/npm (warn|WARN)/);
  });

  it('runs six containers, every one healthy', async () => {
    const containers = await system.containers();
    expect(containers.map((c) => [c.Service, c.State, c.Health]).sort()).toEqual(
      ALL.map((name) => [name, 'running', 'healthy']).sort(),
    );
  });

  it("GET /run-service-b on service-a's published port: result 20, each hop with its own audience and scopes", async () => {
    const hops = await expectServiceChain();
    expect(hops[0].preferred_username).toBe('service-account-service-a');
    expect(hops[1].sub).toBe(hops[0].sub); // service-c sees service-a's service account, via service-b
  });

  it('answers a bad body with 400 naming the field, and calls nothing downstream', async () => {
    const res = await fetch(`${PUBLISHED['service-a']}/api/chain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order_id: 'abc', amount: 1500 }),
    });
    const body = (await res.json()) as { statusCode: number; message: string | string[] };
    expect(res.status).toBe(400);
    expect(String(body.message)).toMatch(/order_id/);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  describe("in Chromium, through the published ports: Keycloak's login page and service-a's page", () => {
    async function logInAs(username: keyof typeof USERS): Promise<Page> {
      const page = await (await browser.newContext()).newPage();
      await page.goto(PUBLISHED['service-a']);
      await page.getByRole('link', { name: 'Log in' }).click();
      await page.waitForURL((url) => url.href.startsWith(PUBLISHED.keycloak));
      await page.locator('#username').fill(username);
      await page.locator('#password').fill(USERS[username]);
      await page.locator('#kc-login').click();
      await page.waitForURL((url) => url.href.startsWith(PUBLISHED['service-a']));
      await page
        .locator('#who')
        .filter({ hasText: `(${username})` })
        .waitFor({ timeout: 10_000 });
      return page;
    }

    it('alice logs in on Keycloak and runs the chain as herself: service-c sees alice, with service-b as azp', async () => {
      alice = await logInAs('alice');
      await expectCallAsAlice(alice);
      await alice.screenshot({ path: join(ARTIFACTS, 'call-as-alice.png'), fullPage: true });
    });

    it('bob logs in, and service-b refuses him: 403, the missing role named on the page', async () => {
      const bob = await logInAs('bob');
      const answer = bob.waitForResponse((res) => res.url().endsWith('/ui/call-service-b-as-user'));
      await bob.getByRole('button', { name: 'Call Service B as bob' }).click();
      expect((await answer).status()).toBe(403);
      await bob
        .locator('#error')
        .filter({ hasText: 'requires role orders-user' })
        .waitFor({ timeout: 10_000 });
      expect(await bob.locator('#hops').count()).toBe(0);
      await bob.context().close();
    });
  });

  /** "Call Service B as alice" on her page: the delegated chain, alice at both hops. */
  async function expectCallAsAlice(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Call Service B as alice' }).click();
    await page.locator('#result h2').filter({ hasText: 'Called as alice' }).waitFor({ timeout: 15_000 });
    const cell = async (hop: string, claim: string) =>
      (await page.locator(`tr[data-hop="${hop}"] td[data-claim="${claim}"]`).innerText()).trim();
    expect(await cell('service-b', 'preferred_username')).toBe('alice');
    expect(await cell('service-b', 'azp')).toBe('service-a');
    expect(await cell('service-c', 'preferred_username')).toBe('alice');
    expect(await cell('service-c', 'azp')).toBe('service-b');
    expect(await cell('service-c', 'aud')).toBe('service-c');
    expect(await page.content()).not.toMatch(/eyJ[\w-]+\./); // never a raw token on the page
  }

  it('service-b restarted: its key survives in its volume, and Keycloak still accepts its signed assertions', async () => {
    const before = await keyIds('service-b');
    expect(before.length).toBeGreaterThan(0);
    await system.compose(['restart', 'service-b']);
    await system.upAndWait();
    expect(await keyIds('service-b')).toEqual(before);
    // The chain needs service-b's token exchange, which Keycloak grants only to an assertion signed with that key.
    await expectServiceChain();
  });

  it("service-a restarted: alice's session survives in Redis, and she runs the chain without logging in again", async () => {
    await system.compose(['restart', 'service-a']);
    await system.upAndWait();
    await alice.reload();
    await alice.locator('#who').filter({ hasText: '(alice)' }).waitFor({ timeout: 10_000 });
    await expectCallAsAlice(alice);
  });

  it("Keycloak restarted: the realm and alice's session come back from PostgreSQL", async () => {
    const before = await realmState();
    expect(before.aliceSessions.length).toBeGreaterThan(0);
    await system.compose(['restart', 'keycloak']);
    report.keycloakRestartSeconds = await system.upAndWait();
    const after = await realmState();
    expect(after.realmId).toBe(before.realmId);
    expect(after.aliceSessions).toEqual(expect.arrayContaining(before.aliceSessions));
    // The exchange at service-b needs her session at Keycloak: it still holds.
    await expectCallAsAlice(alice);
  });

  it('down, then up with the volumes kept: the same realm, its import skipped without an error, the chain runs', async () => {
    const before = await realmState();
    await system.compose(['down']);
    expect((await system.containers()).length).toBe(0);
    report.upAfterDownSeconds = await system.upAndWait();
    expect((await realmState()).realmId).toBe(before.realmId);
    const keycloakLog = await system.logs('keycloak');
    expect(keycloakLog).toMatch(/Realm 's2s' already exists\. Import skipped/);
    expect(keycloakLog).not.toMatch(/\bERROR\b/);
    await expectServiceChain();
  });

  it('leaves no token, client key or password in any container log', async () => {
    const secrets = realmSecrets(join(ROOT, 'realm-export.json'));
    const findings = [];
    for (const name of SERVICES) {
      const text = await system.logs(name);
      writeFileSync(join(ARTIFACTS, `${name}.log`), text);
      expect(text).toMatch(/"msg"/); // the service did log (JSON lines), so the scan looked at something
      findings.push(...scanText(`${name}.log`, text, secrets));
    }
    expect(findings).toEqual([]);
  });

  it("measures the service image (its size, what the Dockerfile adds to the Node base) and each container's memory", async () => {
    const size = async (image: string) =>
      Number((await system.docker(['image', 'inspect', '--format', '{{.Size}}', image])).stdout.trim());
    const resolved = JSON.parse((await system.compose(['config', '--format', 'json'])).stdout) as {
      services: Record<string, { build: { args: { NODE_IMAGE: string } } }>;
    };
    const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
    const [image, node] = await Promise.all([
      size(`${PROJECT}-service-a`),
      size(resolved.services['service-a'].build.args.NODE_IMAGE),
    ]);
    report.serviceImageMB = mb(image);
    report.nodeBaseMB = mb(node);
    report.addedByDockerfileMB = mb(image - node);
    // Production dependencies, trimmed, and the compiled services: a small part of the image.
    expect(image - node).toBeLessThan(60e6);

    const stats = await system.docker(['stats', '--no-stream', '--format', '{{.Name}}\t{{.MemUsage}}']);
    const mib = Object.fromEntries(
      stats.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [name, usage] = line.split('\t');
          const [, amount, unit] = /^([\d.]+)(KiB|MiB|GiB)/.exec(usage) ?? [];
          const factor = { KiB: 1 / 1024, MiB: 1, GiB: 1024 }[unit] ?? NaN;
          return [name.replace(`${PROJECT}-`, '').replace(/-1$/, ''), Math.round(Number(amount) * factor)];
        }),
    );
    report.memoryMiB = mib;
    expect(Object.keys(mib).sort()).toEqual([...ALL].sort());
    for (const name of SERVICES) expect(mib[name]).toBeLessThan(256);
  });

  it('down -v leaves no container, network or volume of the project behind', async () => {
    await system.compose(['down', '--volumes']);
    expect(await system.leftovers()).toEqual([]);
  });
});
