import { LOGIN_CLIENT, USER_PASSWORD, userName } from './users-realm';

/** Logins in flight at once: the machine's two cores are Keycloak's too. */
const CONCURRENCY = 4;

/** Runs `work(0)` … `work(count − 1)`, `concurrency` at a time; the results in index order. */
export async function inParallel<T>(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/**
 * The access tokens of users 0 … count − 1 of `realm`, by password grant at Keycloak itself (not through the
 * counting proxy: they are made before any measurement). A refused login names the user and Keycloak's error,
 * never a token.
 */
export function userTokens(
  keycloakUrl: string,
  realm: string,
  count: number,
  log: (line: string) => void,
): Promise<string[]> {
  const url = `${keycloakUrl}/realms/${realm}/protocol/openid-connect/token`;
  return inParallel(count, CONCURRENCY, async (i) => {
    const res = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: LOGIN_CLIENT,
        username: userName(i),
        password: USER_PASSWORD,
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!res.ok || !body.access_token)
      throw new Error(
        `login of ${userName(i)}: HTTP ${res.status} ${body.error} ${body.error_description ?? ''}`,
      );
    if ((i + 1) % 2000 === 0) log(`${i + 1} of ${count} tokens made`);
    return body.access_token;
  });
}
