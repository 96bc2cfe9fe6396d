// Scenario 1's service-a: the real service with the security taken out (no-auth.ts).
import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_A } from '../../../apps/service-a/src/app.module';
import { withOverrides } from './service-overrides';
import { NO_AUTH } from './no-auth';

void runService(withOverrides(SERVICE_A, NO_AUTH['service-a']));
