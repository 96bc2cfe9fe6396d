// Scenario 1's service-c: the real service with the security taken out (no-auth.ts).
import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_C } from '../../../apps/service-c/src/app.module';
import { withOverrides } from './service-overrides';
import { NO_AUTH } from './no-auth';

void runService(withOverrides(SERVICE_C, NO_AUTH['service-c']));
