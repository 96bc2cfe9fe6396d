import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { KEYCLOAK_URL, stacks, USERS } from './support/keycloak';
import { type ChainCaller, HOP_SCOPES, scopeWords } from './support/least-privilege';

/** Debian's Chromium (`.ci/run` installs the package); another build can be named by CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'artifacts');

/** The page's hop table, as the user reads it: claim cells by hop. */
async function hopCell(page: Page, hop: 'service-b' | 'service-c', claim: string): Promise<string> {
  return (await page.locator(`tr[data-hop="${hop}"] td[data-claim="${claim}"]`).innerText()).trim();
}

/** Each hop's Audience and Scope cells: exactly the hop itself, and exactly the scopes that hop's token carries. */
async function expectOneScopePerHopShown(page: Page, caller: ChainCaller): Promise<void> {
  for (const hop of ['service-b', 'service-c'] as const) {
    expect(await hopCell(page, hop, 'aud')).toBe(hop);
    expect(scopeWords(await hopCell(page, hop, 'scope'))).toEqual(HOP_SCOPES[caller][hop]);
  }
}

describe("service-a's page in a real browser (Chromium), logging in on Keycloak's real login page", () => {
  const serviceA = stacks().jwt['service-a'];
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install Debian's chromium package or set CHROMIUM_PATH`,
      );
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function freshPage(): Promise<Page> {
    const context = await browser.newContext();
    return context.newPage();
  }

  async function logInAs(page: Page, username: keyof typeof USERS): Promise<void> {
    await page.goto(serviceA);
    await page.getByRole('link', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.href.startsWith(KEYCLOAK_URL));
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(USERS[username]);
    await page.locator('#kc-login').click();
    await page.waitForURL((url) => url.href.startsWith(serviceA));
    await expectText(page, '#who', `(${username})`);
  }

  async function expectText(page: Page, selector: string, text: string): Promise<void> {
    await page.locator(selector).filter({ hasText: text }).waitFor({ timeout: 10_000 });
  }

  it('"Call Service B" without logging in runs the chain as service-a and shows each hop', async () => {
    const page = await freshPage();
    await page.goto(serviceA);
    await expectText(page, '#who', 'Not logged in');
    await page.getByRole('button', { name: 'Call Service B', exact: true }).click();
    await expectText(page, '#service-c-answer', 'result 20');

    expect(await hopCell(page, 'service-b', 'azp')).toBe('service-a');
    expect(await hopCell(page, 'service-b', 'preferred_username')).toBe('service-account-service-a');
    expect(await hopCell(page, 'service-b', 'aud')).toBe('service-b');
    expect(await hopCell(page, 'service-c', 'azp')).toBe('service-b');
    expect(await hopCell(page, 'service-c', 'aud')).toBe('service-c');
    expect(await hopCell(page, 'service-c', 'sub')).toBe(await hopCell(page, 'service-b', 'sub'));
    await expectOneScopePerHopShown(page, 'service');
    expect(await hopCell(page, 'service-c', 'exp')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(await page.content()).not.toMatch(/eyJ[\w-]+\./); // never a raw token on the page
    await page.screenshot({ path: join(ARTIFACTS, 'call-service-b.png'), fullPage: true });
  });

  it('alice logs in on Keycloak, calls as herself: service-c sees alice as subject and service-b as azp', async () => {
    const page = await freshPage();
    await logInAs(page, 'alice');
    await page.getByRole('button', { name: 'Call Service B as alice' }).click();
    await expectText(page, '#result h2', 'Called as alice');

    expect(await hopCell(page, 'service-b', 'preferred_username')).toBe('alice');
    expect(await hopCell(page, 'service-b', 'azp')).toBe('service-a');
    expect(await hopCell(page, 'service-c', 'preferred_username')).toBe('alice');
    expect(await hopCell(page, 'service-c', 'azp')).toBe('service-b');
    expect(await hopCell(page, 'service-c', 'aud')).toBe('service-c');
    expect(await hopCell(page, 'service-c', 'sub')).toBe(await hopCell(page, 'service-b', 'sub'));
    await expectOneScopePerHopShown(page, 'user');
    expect(await page.content()).not.toMatch(/eyJ[\w-]+\./);
    const cookies = await page.context().cookies(serviceA);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['s2s_session', true, 'Lax']]);
    await page.screenshot({ path: join(ARTIFACTS, 'call-as-alice.png'), fullPage: true });

    // Log out ends the session at Keycloak too: "Log in" shows Keycloak's form again instead of single sign-on.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.href.startsWith(serviceA));
    await expectText(page, '#who', 'Not logged in');
    await page.getByRole('link', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.href.startsWith(KEYCLOAK_URL));
    await page.locator('#username').waitFor();
  });

  it('bob logs in, but service-b refuses him (no orders-user role): the page says why, readably', async () => {
    const page = await freshPage();
    await logInAs(page, 'bob');
    await page.getByRole('button', { name: 'Call Service B as bob' }).click();
    await expectText(page, '#error', 'requires role orders-user');
    expect(await page.locator('#error h2').innerText()).toBe('The call as bob failed');
    expect(await page.locator('#hops').count()).toBe(0);
    expect(await page.locator('#error').innerText()).not.toContain('{'); // not a JSON dump
    await page.screenshot({ path: join(ARTIFACTS, 'call-as-bob-refused.png'), fullPage: true });
  });

  it('"Approve order": Keycloak grants order#approve to service-a and alice, and refuses bob, readably', async () => {
    const page = await freshPage();
    await page.goto(serviceA);
    await page.getByRole('button', { name: 'Approve order as service-a' }).click();
    await expectText(page, '#approval-answer', 'Order 9876 approved by Service B');

    const alice = await freshPage();
    await logInAs(alice, 'alice');
    await alice.getByRole('button', { name: 'Approve order as alice' }).click();
    await expectText(alice, '#approval h2', 'Called as alice');
    await expectText(alice, '#approval-answer', 'Order 9876 approved by Service B');

    const bob = await freshPage();
    await logInAs(bob, 'bob');
    await bob.getByRole('button', { name: 'Approve order as bob' }).click();
    await expectText(bob, '#error', 'the permission this route requires is not granted');
    expect(await bob.locator('#error h2').innerText()).toBe('The call as bob failed');
    expect(await bob.content()).not.toMatch(/eyJ[\w-]+\./);
    await bob.screenshot({ path: join(ARTIFACTS, 'approve-as-bob-refused.png'), fullPage: true });
  });
});
