import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_C } from './app.module';

void runService(SERVICE_C);
