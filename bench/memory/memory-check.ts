import { CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { KeycloakAuthModule } from 'nest-keycloak-s2s';
import { TOKEN_VERIFIER, TokenVerifier } from 'nest-keycloak-s2s/verification';
import { LocalIdp } from 'nest-keycloak-s2s/testing';
import { thisMachine } from '../report/machine';
import { MemoryReport, MemorySample } from '../report/memory-report';
import { startS2sIdp } from '../../test/support/s2s-idp';

/** What the memory check is told. */
export interface MemoryCheckOptions {
  tokens: number;
  cacheMaxEntries: number;
  note?: string;
}

/** Validations in flight at once while the cache fills. */
const CONCURRENCY = 32;
/** Heap growth allowed after the cache is full: half of what filling it took, and never less than this. */
const MIN_GROWTH_LIMIT_MIB = 8;

const MiB = 2 ** 20;

/** The key the check's tokens are signed with: Ed25519, whose signatures are deterministic (token `i` is one string). */
interface CheckKey {
  privateKey: CryptoKey;
  kid: string;
}

/**
 * Token number `i`: shaped and sized like a Keycloak access token for service-b and different from every other,
 * signed with the check's key (published in the stand-in's JWKS), since introspection mode checks the signature
 * before it asks. Made on demand, so the check's own memory stays flat; the same `i` always gives the same token.
 */
function tokenNumber(i: number, issuer: string, exp: number, key: CheckKey): Promise<string> {
  return new SignJWT({
    jti: `memory-check-${i}`,
    iss: issuer,
    aud: 'service-b',
    sub: `8f0c4a1e-memory-check-${i}`,
    typ: 'Bearer',
    azp: 'service-a',
    scope: 'orders.read profile email',
    realm_access: { roles: ['orders-user'] },
    resource_access: { 'service-b': { roles: ['process-orders'] } },
    preferred_username: 'service-account-service-a',
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.kid })
    .setIssuedAt(exp - 3600)
    .setExpirationTime(exp)
    .sign(key.privateKey);
}

/**
 * Empties what the stand-in keeps of every request it received (forms, headers: for tests to inspect), so that
 * the heap measured is the library's, not the stand-in's. Its counters stay.
 */
function forgetRequests(idp: LocalIdp): void {
  for (const list of [idp.forms.introspect, idp.forms.token, idp.authorizations, idp.contentTypes])
    list.length = 0;
}

async function sample(idp: LocalIdp, label: string, tokens: number): Promise<MemorySample> {
  forgetRequests(idp);
  if (typeof global.gc !== 'function')
    throw new Error('the memory check needs node --expose-gc (npm run bench sets it)');
  // Collections with turns of the event loop between them: what undici's fetch keeps of an answer is released by
  // finalizers and weak references, which run only after the job that made them ended.
  for (let i = 0; i < 4; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { label, tokens, heapUsedMiB: heapUsed / MiB, rssMiB: rss / MiB };
}

/** Validates tokens `from` … `to - 1`, `concurrency` at a time. */
async function validateRange(
  idp: LocalIdp,
  verifier: TokenVerifier,
  token: (i: number) => Promise<string>,
  from: number,
  to: number,
  concurrency: number,
): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      await verifier.verify(await token(i));
      if (i % 1000 === 0) forgetRequests(idp);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * 100 000 distinct tokens (by default) through introspection mode: the answer cache must stay within
 * `verification.cacheMaxEntries`. The entries left at the end are counted from the outside — the newest tokens are validated
 * again, newest first, until one needs an introspection call — and the heap is sampled after the cache is full
 * and at the end; a cache that kept every token would show in both.
 */
export async function runMemoryCheck(
  options: MemoryCheckOptions,
  log: (line: string) => void,
): Promise<MemoryReport> {
  const { tokens, cacheMaxEntries } = options;
  if (tokens < cacheMaxEntries * 2)
    throw new Error(
      `--memory-tokens (${tokens}) must be at least twice --cache-max-entries (${cacheMaxEntries})`,
    );
  const machine = thisMachine();
  const startedAt = new Date().toISOString();
  const idp = await startS2sIdp();
  idp.introspectAnswer = (form) => LocalIdp.activeAnswer(form.get('token') ?? '');
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const key = { privateKey, kid: 'memory-check' };
  idp.jwksAnswer = {
    status: 200,
    body: { keys: [{ ...(await exportJWK(publicKey)), kid: key.kid, alg: 'EdDSA', use: 'sig' }] },
  };
  const token = (i: number) => tokenNumber(i, idp.issuer, exp, key);

  @Module({
    imports: [
      KeycloakAuthModule.forRoot(
        // A TTL longer than the check, so that only the bound can take an answer out of the cache.
        idp.moduleOptions({
          mode: 'introspection',
          verification: { cacheMaxEntries, algorithms: ['EdDSA'] },
          // Every token of the check is new: the per-caller limit is not what it measures.
          introspection: { cacheTtlSec: 3600, missesPerMinute: 0 },
        }),
      ),
    ],
  })
  class MemoryCheckModule {}
  const app = await NestFactory.createApplicationContext(MemoryCheckModule, { logger: false });
  try {
    const verifier = app.get<TokenVerifier>(TOKEN_VERIFIER);
    await verifier.verify(await token(-1)); // loads the code paths before the first sample
    const samples = [await sample(idp, 'before', 0)];
    log(`filling the cache: ${cacheMaxEntries} tokens…`);
    await validateRange(idp, verifier, token, 0, cacheMaxEntries, CONCURRENCY);
    samples.push(await sample(idp, 'cache full', cacheMaxEntries));
    // The last `verification.cacheMaxEntries` tokens one at a time, so that the cache's order is exactly the tokens' order.
    const sequentialFrom = tokens - cacheMaxEntries;
    log(`${tokens - cacheMaxEntries} more tokens…`);
    const halfWay = cacheMaxEntries + Math.floor((sequentialFrom - cacheMaxEntries) / 2);
    await validateRange(idp, verifier, token, cacheMaxEntries, halfWay, CONCURRENCY);
    samples.push(await sample(idp, 'half way', halfWay));
    await validateRange(idp, verifier, token, halfWay, sequentialFrom, CONCURRENCY);
    await validateRange(idp, verifier, token, sequentialFrom, tokens, 1);
    samples.push(await sample(idp, 'after all tokens', tokens));
    const introspections = idp.requests.introspect - 1;

    // Count what the cache still answers: newest first, stop at the first token it needs Keycloak for again.
    let entries = 0;
    for (let i = tokens - 1; i >= 0 && entries <= cacheMaxEntries; i--) {
      const calls = idp.requests.introspect;
      await verifier.verify(await token(i));
      if (idp.requests.introspect !== calls) break;
      entries++;
    }

    // A cache that kept what it evicts grows with every token; the heap also settles once after the cache is full
    // (measured: 5 to 30 MiB, the same for 40 000 tokens as for 200 000). So the bound is judged on the second half
    // of the tokens after the cache is full, where only a leak still grows.
    const [before, full, half, after] = samples.map((s) => s.heapUsedMiB);
    const heapGrowthLimitMiB = Math.max(MIN_GROWTH_LIMIT_MIB, (full - before) / 2);
    const failures: string[] = [];
    if (entries > cacheMaxEntries)
      failures.push(
        `the cache answered more than ${cacheMaxEntries} tokens without Keycloak: the bound is broken`,
      );
    if (after - half > heapGrowthLimitMiB)
      failures.push(
        `the heap grew ${(after - half).toFixed(1)} MiB over the last ${tokens - halfWay} tokens (limit ${heapGrowthLimitMiB.toFixed(1)})`,
      );
    if (introspections !== tokens)
      failures.push(`${introspections} introspections for ${tokens} distinct tokens (expected one each)`);
    if (entries < cacheMaxEntries)
      failures.push(`only ${entries} of the newest ${cacheMaxEntries} tokens were still cached`);
    return {
      startedAt,
      note: options.note,
      machine,
      tokens,
      cacheMaxEntries,
      introspections,
      entries,
      samples,
      heapGrowthLimitMiB,
      passed: failures.length === 0,
      failures,
    };
  } finally {
    await app.close();
    await idp.stop();
  }
}
