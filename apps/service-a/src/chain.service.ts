import { Inject, Injectable } from '@nestjs/common';
import { ClientCredentialsTokenProvider } from '@app/keycloak-auth';
import { DownstreamClient, Hop, OrderRequestDto } from '@app/service-runtime';

/** Injection token of the HTTP client towards service-b. */
export const SERVICE_B = Symbol('SERVICE_B');

/** What the chain answers: each service's result and the claims each hop saw. */
export interface ChainResult {
  service_b: string;
  service_c: { result: number; msg: string };
  hops: Hop[];
}

/** Runs the chain as service-a itself: its own token (client credentials, cached) to service-b. */
@Injectable()
export class ChainService {
  constructor(
    private readonly tokens: ClientCredentialsTokenProvider,
    @Inject(SERVICE_B) private readonly serviceB: DownstreamClient,
  ) {}

  async runAsService(order: OrderRequestDto): Promise<ChainResult> {
    const token = await this.tokens.getToken();
    return this.serviceB.postJson<ChainResult>('/api/process', order, token);
  }
}
