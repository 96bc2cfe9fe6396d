import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { SERVICE_B } from './app.module';

void runService(SERVICE_B);
