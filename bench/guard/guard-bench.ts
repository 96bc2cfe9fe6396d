import { performance } from 'node:perf_hooks';
import { CanActivate, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test } from '@nestjs/testing';
import { KeycloakAuthGuard, KeycloakAuthModule, Principal, RequireScopes, Roles } from 'nest-keycloak-s2s';
import { AuthMode } from 'nest-keycloak-s2s/options';
import { TOKEN_VERIFIER, TokenVerifier } from 'nest-keycloak-s2s/verification';
import { LocalIdp } from 'nest-keycloak-s2s/testing';
import { GuardCaseResult, GuardReport } from '../report/guard-report';
import { thisMachine } from '../report/machine';
import { mean, percentile } from '../report/stats';
import { startS2sIdp } from '../../test/support/s2s-idp';

/** What the guard micro-benchmark is told. */
export interface GuardBenchOptions {
  secondsPerCase: number;
  note?: string;
}

/** Tokens signed in advance for the cases where every validation sees a new token (RS256 signing is slow). */
const FRESH_TOKENS = 3000;
/** Validations before each measurement, to let the JIT settle. */
const WARMUP_VALIDATIONS = 300;

/** A route shaped like service-b's `POST /api/process`: the metadata the guard reads. */
class ProcessRoute {
  @RequireScopes('orders.read')
  @Roles('orders-user', 'service-b:process-orders')
  process() {
    return undefined;
  }
}

/** A Fastify request as the guard sees it: the header, and Node's raw header lines. */
function requestWith(token: string) {
  const authorization = `Bearer ${token}`;
  return {
    headers: { authorization, host: '127.0.0.1:3001', 'content-type': 'application/json' },
    raw: {
      rawHeaders: [
        'Host',
        '127.0.0.1:3001',
        'Content-Type',
        'application/json',
        'Authorization',
        authorization,
      ],
    },
  };
}

async function validate(guard: CanActivate, token: string): Promise<void> {
  const context = new ExecutionContextHost(
    [requestWith(token), {}],
    ProcessRoute,
    ProcessRoute.prototype.process,
  );
  if (!(await guard.canActivate(context))) throw new Error('the guard refused a valid token');
}

/**
 * Validates the tokens `nextToken` hands out through `guard` for `seconds`, at most `limit` of them, and until the
 * tokens run out; one at a time, each timed. Every validation gets a new request object, as in a server.
 */
async function measure(
  guard: CanActivate,
  nextToken: () => string | undefined,
  seconds: number,
  limit = Infinity,
): Promise<{ durations: number[]; elapsedMs: number }> {
  const durations: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (durations.length < limit && performance.now() < deadline) {
    const token = nextToken();
    if (token === undefined) break;
    const t0 = performance.now();
    await validate(guard, token);
    durations.push(performance.now() - t0);
  }
  return { durations, elapsedMs: performance.now() - started };
}

function summary(
  id: string,
  title: string,
  run: { durations: number[]; elapsedMs: number },
): GuardCaseResult {
  const us = run.durations.map((ms) => ms * 1000);
  return {
    id,
    title,
    validations: us.length,
    durationSec: run.elapsedMs / 1000,
    perSec: us.length / (run.elapsedMs / 1000),
    meanUs: mean(us) ?? 0,
    p50Us: percentile(us, 50) ?? 0,
    p99Us: percentile(us, 99) ?? 0,
  };
}

/** The library's guard as a service gets it: KeycloakAuthModule.forRoot against the local realm, in `mode`. */
async function guardOf(
  idp: LocalIdp,
  mode: AuthMode,
): Promise<{ guard: CanActivate; close: () => Promise<void> }> {
  @Module({ imports: [KeycloakAuthModule.forRoot(idp.moduleOptions({ mode, audience: 'service-b' }))] })
  class GuardBenchModule {}
  const app: INestApplicationContext = await NestFactory.createApplicationContext(GuardBenchModule, {
    logger: false,
  });
  return { guard: app.get(KeycloakAuthGuard), close: () => app.close() };
}

/** The library's guard with `verifier` in place of the module's (TOKEN_VERIFIER overridden), for the baseline. */
async function baselineGuardOf(
  idp: LocalIdp,
  verifier: TokenVerifier,
): Promise<{ guard: CanActivate; close: () => Promise<void> }> {
  const moduleRef = await Test.createTestingModule({
    imports: [KeycloakAuthModule.forRoot(idp.moduleOptions())],
  })
    .overrideProvider(TOKEN_VERIFIER)
    .useValue(verifier)
    .compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  return { guard: moduleRef.get(KeycloakAuthGuard), close: () => moduleRef.close() };
}

/** Hands out each token of `tokens` once. */
function once(tokens: string[]): () => string | undefined {
  let next = 0;
  return () => tokens[next++];
}

/** Hands out the same token forever. */
function always(token: string): () => string {
  return () => token;
}

/**
 * The guard alone, per mode, against a local realm (real RS256 keys and JWKS; an introspection endpoint that
 * answers `active` with the token's claims, as Keycloak does): how many validations per second, and what each costs.
 */
export async function runGuardBenchmark(
  options: GuardBenchOptions,
  log: (line: string) => void,
): Promise<GuardReport> {
  const machine = thisMachine();
  const startedAt = new Date().toISOString();
  const idp = await startS2sIdp();
  idp.introspectAnswer = (form) => LocalIdp.activeAnswer(form.get('token') ?? '');
  const claims = {
    azp: 'service-a',
    resource_access: { 'service-b': { roles: ['process-orders'] } },
    realm_access: { roles: [] },
    scope: 'orders.read profile email',
  };
  const lifetimeSec = 3600;
  log(`signing ${FRESH_TOKENS + WARMUP_VALIDATIONS} tokens (RS256) for the uncached case…`);
  const fresh: string[] = [];
  for (let i = 0; i < FRESH_TOKENS + WARMUP_VALIDATIONS; i++)
    fresh.push(await idp.issue(claims, { lifetimeSec }));
  const token = await idp.issue(claims, { lifetimeSec });
  const cases: GuardCaseResult[] = [];
  const run = async (id: string, title: string, guard: CanActivate, next: () => string | undefined) => {
    await measure(guard, next, options.secondsPerCase, WARMUP_VALIDATIONS);
    const result = summary(id, title, await measure(guard, next, options.secondsPerCase));
    log(
      `${title}: ${result.perSec.toFixed(0)}/s, p50 ${result.p50Us.toFixed(1)} µs, p99 ${result.p99Us.toFixed(1)} µs`,
    );
    cases.push(result);
  };
  try {
    const principal = {
      scopes: ['orders.read'],
      realmRoles: ['orders-user'],
      clientRoles: {},
      claims: {},
    } as unknown as Principal;
    const baseline = await baselineGuardOf(idp, { verify: () => Promise.resolve(principal) });
    try {
      await run('guard-only', 'guard only (a verifier that answers at once)', baseline.guard, always(token));
    } finally {
      await baseline.close();
    }
    const jwt = await guardOf(idp, 'jwt');
    try {
      await run('jwt-cached', 'jwt, verified-token cache (same token)', jwt.guard, always(token));
      await run('jwt-uncached', 'jwt, every token new (RS256 verify each time)', jwt.guard, once(fresh));
    } finally {
      await jwt.close();
    }
    const introspection = await guardOf(idp, 'introspection');
    try {
      await run(
        'introspection-cached',
        'introspection, answer cache (same token)',
        introspection.guard,
        always(token),
      );
    } finally {
      await introspection.close();
    }
  } finally {
    await idp.stop();
  }
  return { startedAt, note: options.note, machine, secondsPerCase: options.secondsPerCase, cases };
}
