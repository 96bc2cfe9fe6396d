import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Public } from 'nest-keycloak-s2s';
import { ApiErrorResponses } from '@app/service-runtime';
import { ChainAnswer, OrderRequestDto } from '@app/chain';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SameOriginGuard } from './bff/same-origin.guard';
import { SessionService } from './bff/session.service';
import { ChainService, DEMO_ORDER } from './chain.service';

/**
 * service-a: the chain's entry point. These routes are public because what service-b checks is the token
 * service-a sends: its own (client credentials) or, for `/api/chain/user`, the logged-in user's.
 */
@Public()
@ApiTags('chain')
@ApiOkResponse({ type: ChainAnswer })
@Controller()
export class ChainController {
  constructor(
    private readonly chain: ChainService,
    private readonly sessions: SessionService,
  ) {}

  /** The chain as service-a, with the fixed order the page's buttons send too. */
  @Get('run-service-b')
  @ApiOperation({ summary: 'Runs the chain as service-a with a fixed order (9876, 1500)' })
  @ApiErrorResponses(502, 503, 504)
  runDemoOrder() {
    return this.chain.runAsService(DEMO_ORDER);
  }

  @Post('api/chain')
  @HttpCode(200)
  @ApiOperation({ summary: 'Runs the chain as service-a (its own client-credentials token)' })
  @ApiErrorResponses(400, 502, 503, 504)
  run(@Body() order: OrderRequestDto) {
    return this.chain.runAsService(order);
  }

  /** service-b's quote, with a DPoP-bound token of service-a's (no exchange, so service-b can require DPoP). */
  @Post('api/quote')
  @HttpCode(200)
  @ApiOperation({
    summary: "Asks service-b for a quote with service-a's DPoP-bound client-credentials token",
    description: "service-b requires DPoP on this route: the token is bound to service-a's key (RFC 9449).",
  })
  @ApiOkResponse({ description: "service-b's quote and what it saw of service-a's token" })
  @ApiErrorResponses(400, 502, 503, 504)
  quote(@Body() order: OrderRequestDto) {
    return this.chain.quoteAsService(order);
  }

  /** service-b's approval of an order as service-a: a permission Keycloak's Authorization Services decide. */
  @Post('api/orders/:id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Asks service-b to approve an order as service-a (its own client-credentials token)',
    description:
      "service-b asks Keycloak whether service-a's service account holds the permission order#approve.",
  })
  @ApiOkResponse({ description: "service-b's approval and what it saw of service-a's token" })
  @ApiErrorResponses(400, 502, 503, 504)
  approve(@Param('id', ParseIntPipe) id: number) {
    return this.chain.approveAsService(id);
  }

  /** service-b's approval of an order for the logged-in user (403 when Keycloak denies the user). */
  @Post('api/orders/:id/approve/user')
  @HttpCode(200)
  @UseGuards(SameOriginGuard)
  @ApiOperation({
    summary: 'Asks service-b to approve an order for the user logged in to this browser session',
    description:
      "Needs the session cookie and a request of this origin. 401 `login_required` without a session; 403 when Keycloak's policies do not grant the user order#approve.",
  })
  @ApiOkResponse({ description: "service-b's approval and what it saw of the user's token" })
  @ApiErrorResponses(400, 401, 403, 502, 503, 504)
  async approveAsUser(@Param('id', ParseIntPipe) id: number, @Req() request: FastifyRequest) {
    const token = await this.sessions.accessToken(await this.sessions.current(request));
    return this.chain.approveAsUser(id, token);
  }

  /** The chain on behalf of the user logged in to this browser session (401 login_required otherwise). */
  @Post('api/chain/user')
  @HttpCode(200)
  @UseGuards(SameOriginGuard)
  @ApiOperation({
    summary: 'Runs the chain for the user logged in to this browser session',
    description:
      'Needs the session cookie of a login through GET /auth/login, and a request of this origin. 401 `login_required` without a session; 403 when service-b refuses the user.',
  })
  @ApiErrorResponses(400, 401, 403, 502, 503, 504)
  async runAsUser(@Body() order: OrderRequestDto, @Req() request: FastifyRequest) {
    const token = await this.sessions.accessToken(await this.sessions.current(request));
    return this.chain.runAsUser(order, token);
  }
}
