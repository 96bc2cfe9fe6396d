// Scenario 2's service-a: the real service with a fresh client-credentials token per request (scenario `uncached`).
import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_A } from '../../../apps/service-a/src/app.module';
import { withOverrides } from './service-overrides';
import { UNCACHED_SERVICE_A } from './uncached-token.provider';

void runService(withOverrides(SERVICE_A, UNCACHED_SERVICE_A));
