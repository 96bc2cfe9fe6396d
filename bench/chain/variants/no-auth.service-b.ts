// Scenario 1's service-b: the real service with the security taken out (no-auth.ts).
import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_B } from '../../../apps/service-b/src/app.module';
import { withOverrides } from './service-overrides';
import { NO_AUTH } from './no-auth';

void runService(withOverrides(SERVICE_B, NO_AUTH['service-b']));
