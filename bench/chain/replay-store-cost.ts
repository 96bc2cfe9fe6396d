import { performance } from 'node:perf_hooks';
import { CanActivate, INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { generateKeyPair } from 'jose';
import { KeycloakAuthGuard, KeycloakAuthModule } from 'nest-keycloak-s2s';
import { DpopKeyAlgorithm, DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import type { ReplayStore } from 'nest-keycloak-s2s/options';
import { RedisReplayStore } from 'nest-keycloak-s2s/redis';
import { SharedRedis } from '@app/service-runtime';
import { LocalIdp } from 'nest-keycloak-s2s/testing';
import { startS2sIdp } from '../../test/support/s2s-idp';
import {
  CheckSample,
  REPLAY_STORES,
  replayStoreCost,
  ReplayStoreCost,
  ReplayStoreKind,
} from '../report/replay-store-report';
import { cpuMs } from './cpu-time';
import { collectFor, guardAccepts, SERVICE_B_CALLER, URL, WARMUP_OPS } from './dpop-floor';
import { freePort, startRedis } from './scripts';

// What the shared replay store costs per request: service-c's whole DPoP check (as in the DPoP floor: the guard
// with a DPoP-bound token and a fresh proof, minus the same guard with a cached bearer token) with the `jti`s kept
// in the process (the default) and in Redis (`RedisReplayStore` through the services' own client, SharedRedis, on a
// redis-server on loopback started by scripts/redis.mjs and stopped at the end). One process, one check at a time,
// the two stores taking turns in blocks of proofs so that both see the same machine.

/** The proofs' algorithm: the library's default proof key (`dpop.keyAlgorithm`). */
const ALG: DpopKeyAlgorithm = 'EdDSA';

/**
 * Proofs each store's guard checks in a row before the other's turn: long enough runs that each runs hot, as in a
 * service of its own (alternating proof by proof put both checks ≈ 15–25 % above the floor's), short enough that
 * both see the same machine. {@link WARMUP_OPS} is a multiple of it: the warm-up ends with a block.
 */
const BLOCK = 100;

/** CPU µs (the whole process's, every thread) and wall µs of one run of `op`. */
async function timed(op: () => Promise<void>): Promise<{ cpuUs: number; wallUs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await op();
  const wallUs = (performance.now() - start) * 1000;
  const { user, system } = process.cpuUsage(cpu);
  return { cpuUs: user + system, wallUs };
}

/** An application context with the library's module for service-b's audience, DPoP allowed, `replayStore` when given. */
async function guardApp(idp: LocalIdp, replayStore?: ReplayStore): Promise<INestApplicationContext> {
  @Module({
    imports: [
      KeycloakAuthModule.forRoot(
        idp.moduleOptions({ audience: 'service-b', dpop: { policy: 'allowed', replayStore } }),
      ),
    ],
  })
  class ReplayStoreModule {}
  return NestFactory.createApplicationContext(ReplayStoreModule, { logger: false });
}

/**
 * Measures service-c's DPoP check with each of {@link REPLAY_STORES}: about `seconds` of proof signing, then each
 * proof once through each store's guard (each store its own app, so each accepts it once; {@link BLOCK} proofs at a
 * time), the first {@link WARMUP_OPS} left out.
 */
export async function measureReplayStores(
  seconds: number,
  log: (line: string) => void,
): Promise<ReplayStoreCost[]> {
  const redis = await startRedis(await freePort(), 'bench-replay-store');
  const idp = await startS2sIdp();
  const client = new SharedRedis(redis.url, new Logger('ReplayStoreBench'));
  const apps: INestApplicationContext[] = [];
  try {
    await client.sendCommand(['PING']); // connected before anything is measured
    const stores: Record<ReplayStoreKind, ReplayStore | undefined> = {
      memory: undefined,
      redis: new RedisReplayStore(client, { prefix: 's2s:service-c:dpop-jti:' }),
    };
    const guards = {} as Record<ReplayStoreKind, CanActivate>;
    for (const store of REPLAY_STORES) {
      const app = await guardApp(idp, stores[store]);
      apps.push(app);
      guards[store] = app.get(KeycloakAuthGuard);
    }
    const claims = SERVICE_B_CALLER;
    const bearer = `Bearer ${await idp.issue(claims, { lifetimeSec: 3600 })}`;
    const maker = new DpopProofMaker(await generateKeyPair(ALG), undefined, ALG);
    const token = await idp.issue(
      { ...claims, cnf: { jkt: await maker.thumbprint() } },
      { lifetimeSec: 3600 },
    );
    for (const store of REPLAY_STORES)
      for (let i = 0; i < 5 * WARMUP_OPS; i++) await guardAccepts(guards[store], bearer);
    const proofs = (await collectFor(seconds, () => maker.proof('POST', URL, token))).results;
    const samples: Record<ReplayStoreKind, CheckSample[]> = { memory: [], redis: [] };
    let redisCpuBefore: number | undefined;
    for (let block = 0; block < proofs.length; block += BLOCK) {
      if (block === WARMUP_OPS) redisCpuBefore = cpuMs(redis.pid); // the warm-up's Redis work left out
      for (const store of REPLAY_STORES) {
        const guard = guards[store];
        for (let i = block; i < Math.min(block + BLOCK, proofs.length); i++) {
          const bearerRun = await timed(() => guardAccepts(guard, bearer));
          const dpopRun = await timed(() => guardAccepts(guard, `DPoP ${token}`, proofs[i]));
          if (i < WARMUP_OPS) continue;
          samples[store].push({
            bearerCpuUs: bearerRun.cpuUs,
            dpopCpuUs: dpopRun.cpuUs,
            bearerWallUs: bearerRun.wallUs,
            dpopWallUs: dpopRun.wallUs,
          });
        }
      }
    }
    const redisCpuAfter = cpuMs(redis.pid);
    const redisCpu =
      redisCpuBefore === undefined || redisCpuAfter === undefined
        ? undefined
        : redisCpuAfter - redisCpuBefore;
    const costs = REPLAY_STORES.map((store) =>
      replayStoreCost(store, ALG, samples[store], store === 'redis' ? redisCpu : undefined),
    ).filter((cost): cost is ReplayStoreCost => cost !== undefined);
    for (const cost of costs)
      log(
        `replay store ${cost.store}: service-c's check ${cost.checkCpuUs.toFixed(1)} µs CPU, ` +
          `${cost.checkWallP50Us.toFixed(1)} µs wall (p50)` +
          (cost.storeCpuUs === undefined ? '' : `, redis-server ${cost.storeCpuUs.toFixed(1)} µs CPU`) +
          `, ${cost.checks} checks`,
      );
    return costs;
  } finally {
    for (const app of apps) await app.close();
    await client.close();
    await idp.stop();
    await redis.stop();
  }
}
