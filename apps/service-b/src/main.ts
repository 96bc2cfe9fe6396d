import 'reflect-metadata';
import { runService } from '@app/service-runtime';
import { AppModule } from './app.module';

void runService(AppModule, 'service-b');
