// Scenario 1's service-c: the real module with the security taken out (no-auth.ts).
import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { AppModule } from '../../../apps/service-c/src/app.module';
import { withOverrides } from './app-module-overrides';
import { NO_AUTH } from './no-auth';

void runService(withOverrides(AppModule, NO_AUTH['service-c']), 'service-c');
