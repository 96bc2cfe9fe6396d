// The users part's service-b: the real service with its caches bounded by BENCH_CACHE_MAX_ENTRIES, and the heap
// probe on BENCH_HEAP_PORT (run with --expose-gc).
import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_B } from '../../../apps/service-b/src/app.module';
import { withOverrides } from '../../chain/variants/service-overrides';
import { positiveEnv, startHeapProbe } from '../heap-probe';

startHeapProbe(positiveEnv('BENCH_HEAP_PORT'));
void runService(
  withOverrides(SERVICE_B, {
    auth: { verification: { cacheMaxEntries: positiveEnv('BENCH_CACHE_MAX_ENTRIES') } },
  }),
);
