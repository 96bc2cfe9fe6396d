// The users part's service-c: the real service with its caches bounded by BENCH_CACHE_MAX_ENTRIES, like service-b.
import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_C } from '../../../apps/service-c/src/app.module';
import { withOverrides } from '../../chain/variants/service-overrides';
import { positiveEnv } from '../heap-probe';

void runService(
  withOverrides(SERVICE_C, {
    auth: { verification: { cacheMaxEntries: positiveEnv('BENCH_CACHE_MAX_ENTRIES') } },
  }),
);
