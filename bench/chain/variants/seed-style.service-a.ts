// Scenario 2's service-a: the real service with a fresh client-credentials token per request (scenario `seed-style`).
import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_A } from '../../../apps/service-a/src/app.module';
import { withOverrides } from './service-overrides';
import { SEED_STYLE_SERVICE_A } from './seed-style-token.provider';

void runService(withOverrides(SERVICE_A, SEED_STYLE_SERVICE_A));
