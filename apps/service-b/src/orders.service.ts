import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from 'nest-keycloak-s2s';
import { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { DownstreamClient } from '@app/service-runtime';
import { Hop, hopOf, OrderRequestDto } from '@app/chain';

/** Injection token of the HTTP client towards service-c. */
export const SERVICE_C = Symbol('SERVICE_C');

/** The value service-c computes on when the order does not name one. */
export const DEFAULT_VALUE = 10;

interface ComputeAnswer {
  result: number;
  msg: string;
  hop: Hop;
}

/** Processes an order and asks service-c to compute, with the DPoP-bound token exchanged for service-c. */
@Injectable()
export class OrdersService {
  constructor(
    @Inject(SERVICE_C) private readonly serviceC: DownstreamClient,
    private readonly proofs: DpopProofMaker,
  ) {}

  async process(order: OrderRequestDto, caller: Principal, serviceCToken: string) {
    const answer = await this.serviceC.postJson<ComputeAnswer>(
      '/api/compute',
      { value: order.value ?? DEFAULT_VALUE },
      serviceCToken,
      this.proofs, // the token is DPoP-bound (SERVICE_C_TARGET): each call carries a proof of service-b's key
    );
    return {
      service_b: `Order ${order.order_id} processed by Service B`,
      service_c: { result: answer.result, msg: answer.msg },
      hops: [hopOf('service-b', caller), answer.hop],
    };
  }
}
