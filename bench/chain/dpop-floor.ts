import { performance } from 'node:perf_hooks';
import { CanActivate, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { compactVerify, generateKeyPair } from 'jose';
import { KeycloakAuthGuard, KeycloakAuthModule, RequireScopes, Roles } from 'nest-keycloak-s2s';
import { DpopKeyAlgorithm, DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { startS2sIdp } from '../../test/support/s2s-idp';
import { DpopFloor } from '../report/chain-report';
import { mean } from '../report/stats';

// The DPoP crypto floor of the chain: what one b → c call cannot spend less on, whatever the code around it. In
// one process, one operation at a time, in CPU time: service-b's proof (DpopProofMaker, WebCrypto), its bare signature check (jose
// compactVerify with the public key at hand, as service-c's verifier calls it), and service-c's whole DPoP check
// through the guard (KeycloakAuthGuard with a DPoP-bound token and a fresh proof, minus the same guard with a
// cached bearer token).

/** The proof algorithms compared: EdDSA (Ed25519) is the library's default; ES256 is P-256, PS256 RSA 2048. */
export const DPOP_FLOOR_ALGORITHMS: readonly DpopKeyAlgorithm[] = ['EdDSA', 'ES256', 'PS256'];

/** Operations of each kind before the timed ones, to let the JIT settle. */
export const WARMUP_OPS = 200;

/** The claims of service-b's token for service-c, as the floor's guards see them (a DPoP-bound copy adds `cnf`). */
export const SERVICE_B_CALLER = {
  azp: 'service-b',
  resource_access: { 'service-b': { roles: ['process-orders'] } },
  realm_access: { roles: [] },
  scope: 'orders.read profile email',
};
/** The request the proofs are for: service-c's route, as service-b calls it. */
export const URL = 'http://127.0.0.1:3002/api/compute';
const HOST = '127.0.0.1:3002';
const PATH = '/api/compute';

/** A route shaped like service-c's: the metadata the guard reads. */
class ComputeRoute {
  @RequireScopes('orders.read')
  @Roles('orders-user', 'service-b:process-orders')
  compute() {
    return undefined;
  }
}

/** A Fastify request as the guard sees it, with `authorization` and, when given, a `dpop` header. */
function requestWith(authorization: string, dpop?: string) {
  const headers: Record<string, string> = { host: HOST, 'content-type': 'application/json', authorization };
  const rawHeaders = ['Host', HOST, 'Content-Type', 'application/json', 'Authorization', authorization];
  if (dpop !== undefined) {
    headers.dpop = dpop;
    rawHeaders.push('DPoP', dpop);
  }
  return { method: 'POST', url: PATH, protocol: 'http', headers, raw: { rawHeaders } };
}

/** Runs `guard` on service-c's route for one request; throws when it refuses. */
export async function guardAccepts(guard: CanActivate, authorization: string, dpop?: string): Promise<void> {
  const context = new ExecutionContextHost(
    [requestWith(authorization, dpop), {}],
    ComputeRoute,
    ComputeRoute.prototype.compute,
  );
  if (!(await guard.canActivate(context))) throw new Error('the guard refused a valid request');
}

/**
 * CPU µs of one run of `op`: the whole process's (user and system, every thread: WebCrypto signs and verifies on
 * libuv's pool, so that the wall time of an operation is mostly waiting), comparable with the chain's CPU per
 * request and hardly moved by other work on a busy machine.
 */
async function cpuUs<T>(op: () => Promise<T>): Promise<{ result: T; us: number }> {
  const before = process.cpuUsage();
  const result = await op();
  const { user, system } = process.cpuUsage(before);
  return { result, us: user + system };
}

/** Runs `op` for about `seconds`, keeping what it returns and its CPU µs (at least 2 × {@link WARMUP_OPS} runs). */
export async function collectFor<T>(
  seconds: number,
  op: () => Promise<T>,
): Promise<{ results: T[]; us: number[] }> {
  const results: T[] = [];
  const us: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (results.length < 2 * WARMUP_OPS || performance.now() < deadline) {
    const run = await cpuUs(op);
    results.push(run.result);
    us.push(run.us);
  }
  return { results, us };
}

/**
 * Measures the floor for each of `algorithms`, mean CPU µs per operation: about `seconds` of proof signing each, then as many verifications and guard checks as proofs were made (each proof is checked once, its `jti`
 * being new each time).
 */
export async function measureDpopFloor(
  seconds: number,
  algorithms: readonly DpopKeyAlgorithm[],
  log: (line: string) => void,
): Promise<DpopFloor[]> {
  const idp = await startS2sIdp();
  const floors: DpopFloor[] = [];
  try {
    @Module({
      imports: [
        KeycloakAuthModule.forRoot(idp.moduleOptions({ audience: 'service-b', dpop: { policy: 'allowed' } })),
      ],
    })
    class DpopFloorModule {}
    const app: INestApplicationContext = await NestFactory.createApplicationContext(DpopFloorModule, {
      logger: false,
    });
    try {
      const guard = app.get(KeycloakAuthGuard);
      const claims = SERVICE_B_CALLER;
      const bearer = `Bearer ${await idp.issue(claims, { lifetimeSec: 3600 })}`;
      for (let i = 0; i < 5 * WARMUP_OPS; i++) await guardAccepts(guard, bearer);
      for (const alg of algorithms) {
        const keyPair = await generateKeyPair(alg);
        const maker = new DpopProofMaker(keyPair, undefined, alg);
        const token = await idp.issue(
          { ...claims, cnf: { jkt: await maker.thumbprint() } },
          { lifetimeSec: 3600 },
        );
        const signed = await collectFor(seconds, () => maker.proof('POST', URL, token));
        const proofs = signed.results;
        // Interleaved, one proof at a time: the bare verification, the guard with a cached bearer token, and the
        // guard with the DPoP-bound token and this proof, so that all three see the same machine.
        const [verify, bearerGuard, dpopGuard]: number[][] = [[], [], []];
        for (let i = 0; i < proofs.length; i++) {
          const times = [
            (await cpuUs(() => compactVerify(proofs[i], keyPair.publicKey, { algorithms: [alg] }))).us,
            (await cpuUs(() => guardAccepts(guard, bearer))).us,
            (await cpuUs(() => guardAccepts(guard, `DPoP ${token}`, proofs[i]))).us,
          ];
          if (i < WARMUP_OPS) continue;
          verify.push(times[0]);
          bearerGuard.push(times[1]);
          dpopGuard.push(times[2]);
        }
        const signUs = mean(signed.us.slice(WARMUP_OPS)) ?? 0;
        const verifyUs = mean(verify) ?? 0;
        const [bearerUs, dpopUs] = [mean(bearerGuard) ?? 0, mean(dpopGuard) ?? 0];
        const floor: DpopFloor = {
          alg,
          proofs: proofs.length,
          signUs,
          verifyUs,
          checkUs: dpopUs - bearerUs,
        };
        log(
          `DPoP floor ${alg}: sign ${signUs.toFixed(1)} µs, verify ${verifyUs.toFixed(1)} µs, service-c's check ` +
            `${floor.checkUs.toFixed(1)} µs (guard ${dpopUs.toFixed(1)} µs with DPoP, ${bearerUs.toFixed(1)} µs ` +
            `bearer), ${proofs.length} proofs`,
        );
        floors.push(floor);
      }
    } finally {
      await app.close();
    }
  } finally {
    await idp.stop();
  }
  return floors;
}
