import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_A } from './app.module';

void runService(SERVICE_A);
