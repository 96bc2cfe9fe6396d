/**
 * Drives service-a's browser login over plain HTTP, as a browser would: follow service-a's redirect to Keycloak's
 * real login page, submit its form, come back to the callback. Cookies are kept per host, like a browser's jar.
 */

/** Cookies by host (`127.0.0.1:3000`, `localhost:8080`), each a name → value map. */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();
  /** The raw Set-Cookie lines seen, by host, for attribute checks. */
  readonly setCookieLines = new Map<string, string[]>();

  store(url: string, res: Response): void {
    const host = new URL(url).host;
    const cookies = this.byHost.get(host) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      this.setCookieLines.set(host, [...(this.setCookieLines.get(host) ?? []), line]);
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    this.byHost.set(host, cookies);
  }

  header(url: string): string {
    const cookies = this.byHost.get(new URL(url).host) ?? new Map();
    return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(url: string, name: string): string | undefined {
    return this.byHost.get(new URL(url).host)?.get(name);
  }

  /** A copy, e.g. to replay an old cookie after logout. */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [host, cookies] of this.byHost) copy.byHost.set(host, new Map(cookies));
    return copy;
  }
}

/** One request without following redirects; cookies sent from and stored into the jar. */
export async function request(
  jar: CookieJar,
  url: string,
  init: {
    method?: string;
    form?: Record<string, string>;
    json?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
  jar.store(url, res);
  return res;
}

/** Where a redirect points, absolute. */
export function location(res: Response, base: string): string {
  const to = res.headers.get('location');
  if (!to) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(to, base).href;
}

/** Keycloak's login form action (HTML-escaped in the page). */
function loginFormAction(html: string): string {
  const match =
    /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(html) ?? /action="([^"]+)"/.exec(html);
  if (!match) throw new Error('Keycloak login form not found');
  return match[1].replace(/&amp;/g, '&');
}

/** The message Keycloak's login page shows above its form (a refused login), as text. */
function loginFeedback(html: string): string | undefined {
  const match =
    /kc-feedback-text[^>]*>([\s\S]*?)<\//.exec(html) ??
    /id="input-error-(?!container)[^"]*"[^>]*>([\s\S]*?)<\/span>/.exec(html);
  return (
    match?.[1]
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim() || undefined
  );
}

/** The steps of a login, for tests that tamper with one of them. */
export interface LoginSteps {
  /** service-a's redirect to Keycloak's authorization endpoint. */
  authorizationUrl: string;
  /** Keycloak's redirect back to service-a's callback, with code and state. */
  callbackUrl: string;
}

/** Goes from service-a's `/auth/login` through Keycloak's login page up to (not into) the callback. */
export async function loginUntilCallback(
  jar: CookieJar,
  serviceA: string,
  username: string,
  password: string,
): Promise<LoginSteps> {
  const start = await request(jar, `${serviceA}/auth/login`);
  if (start.status !== 302) throw new Error(`/auth/login answered ${start.status}`);
  const authorizationUrl = location(start, serviceA);
  const page = await request(jar, authorizationUrl);
  if (page.status !== 200) throw new Error(`Keycloak login page answered ${page.status}`);
  const action = new URL(loginFormAction(await page.text()), authorizationUrl).href;
  const submitted = await request(jar, action, {
    method: 'POST',
    form: { username, password, credentialId: '' },
  });
  if (submitted.status !== 302) {
    // Keycloak answers a refused login with its form again: its message says why (a wrong password, a user locked
    // by brute-force detection, an expired login session).
    const feedback = loginFeedback(await submitted.text());
    throw new Error(`Keycloak refused the login (${submitted.status}${feedback ? `: ${feedback}` : ''})`);
  }
  return { authorizationUrl, callbackUrl: location(submitted, action) };
}

/** A full login as `username`; returns the jar holding service-a's session cookie. */
export async function logIn(serviceA: string, username: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const { callbackUrl } = await loginUntilCallback(jar, serviceA, username, password);
  const done = await request(jar, callbackUrl);
  if (done.status !== 303) throw new Error(`callback answered ${done.status}: ${await done.text()}`);
  return jar;
}
