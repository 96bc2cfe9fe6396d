import { Controller, Get } from '@nestjs/common';
import { Public } from '@app/keycloak-auth';

/** Liveness probe: the process serves HTTP. */
@Controller('health')
export class HealthController {
  @Public()
  @Get('live')
  live() {
    return { status: 'ok' };
  }
}
