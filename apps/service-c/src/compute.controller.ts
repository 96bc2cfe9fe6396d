import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { AllowedCallers, CurrentPrincipal, Principal, RequireScopes } from 'nest-keycloak-s2s';
import { Dpop } from 'nest-keycloak-s2s/dpop';
import { ApiErrorResponses } from '@app/service-runtime';
import { hopOf } from '@app/chain';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ComputeAnswer, ComputeDto } from './compute.dto';

/**
 * service-c: the last hop. Only service-b (azp) holding analytics.run, with a token meant for service-c and bound
 * to service-b's DPoP key (with a valid proof of it), gets in.
 */
@Controller('api')
export class ComputeController {
  @Post('compute')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Doubles `value`',
    description: 'Requires a DPoP-bound token (`Authorization: DPoP <token>` and a `DPoP` proof).',
  })
  @ApiOkResponse({ type: ComputeAnswer })
  @ApiErrorResponses(400)
  @RequireScopes('analytics.run')
  @AllowedCallers('service-b')
  @Dpop('required')
  compute(@Body() body: ComputeDto, @CurrentPrincipal() principal: Principal): ComputeAnswer {
    return {
      result: body.value * 2,
      msg: 'Service C successfully processed request',
      hop: hopOf('service-c', principal),
    };
  }
}
