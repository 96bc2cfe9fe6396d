import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { Public } from '@app/keycloak-auth';
import { OrderRequestDto } from '@app/service-runtime';
import { ChainService } from './chain.service';

/** Seed 000's fixed order for `GET /run-service-b`. */
const SEED_ORDER: OrderRequestDto = { order_id: 9876, amount: 1500 };

/**
 * service-a: the chain's entry point. These routes are public because service-a calls service-b as itself; the
 * token it obtains is what service-b checks.
 */
@Controller()
export class ChainController {
  constructor(private readonly chain: ChainService) {}

  /** Seed 000's route, with its order. */
  @Public()
  @Get('run-service-b')
  runSeedOrder() {
    return this.chain.runAsService(SEED_ORDER);
  }

  @Public()
  @Post('api/chain')
  @HttpCode(200)
  run(@Body() order: OrderRequestDto) {
    return this.chain.runAsService(order);
  }
}
