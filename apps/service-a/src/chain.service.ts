import {
  BadGatewayException,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { ClientCredentialsTokenProvider } from 'nest-keycloak-s2s';
import { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { DownstreamClient } from '@app/service-runtime';
import { ChainAnswer, Hop, OrderRequestDto } from '@app/chain';

/** Injection token of the HTTP client towards service-b. */
export const SERVICE_B = Symbol('SERVICE_B');

/** The fixed order of `GET /run-service-b` and the page's buttons. */
export const DEMO_ORDER: OrderRequestDto = { order_id: 9876, amount: 1500 };

/** What the chain answers: each service's result and the claims each hop saw (service-b's answer, passed on). */
export type ChainResult = ChainAnswer;

/** What service-b answers when it approves an order. */
export interface ApprovalResult {
  service_b: string;
  hop: Hop;
}

/** What service-b's quote answers. */
export interface QuoteResult {
  service_b: string;
  hop: Hop;
}

/**
 * Runs the chain: as service-a itself (its own client-credentials token, cached) or on behalf of a user (the
 * user's access token, whose audience includes service-b through service-a's default client scope).
 */
@Injectable()
export class ChainService {
  constructor(
    private readonly tokens: ClientCredentialsTokenProvider,
    @Inject(SERVICE_B) private readonly serviceB: DownstreamClient,
    private readonly proofs: DpopProofMaker,
  ) {}

  async runAsService(order: OrderRequestDto): Promise<ChainResult> {
    const token = await this.tokens.getToken();
    return this.serviceB.postJson<ChainResult>('/api/process', order, token);
  }

  /**
   * Asks service-b for a quote with a DPoP-bound client-credentials token (RFC 9449): a route that does not
   * exchange can require one. The chain itself sends a bearer token, as Keycloak exchanges no bound token.
   */
  async quoteAsService(order: OrderRequestDto): Promise<QuoteResult> {
    const token = await this.tokens.getToken({ dpop: true });
    return this.serviceB.postJson<QuoteResult>('/api/quote', order, token, this.proofs);
  }

  /**
   * Asks service-b to approve order `id` as service-a (its own client-credentials token): service-b asks Keycloak's
   * Authorization Services whether service-a's service account holds `order#approve`.
   */
  async approveAsService(id: number): Promise<ApprovalResult> {
    const token = await this.tokens.getToken();
    return this.serviceB.postJson<ApprovalResult>(`/api/orders/${id}/approve`, {}, token);
  }

  /** Asks service-b to approve order `id` for the logged-in user; service-b's refusal of the user stays a 403. */
  async approveAsUser(id: number, userAccessToken: string): Promise<ApprovalResult> {
    try {
      return await this.serviceB.postJson<ApprovalResult>(`/api/orders/${id}/approve`, {}, userAccessToken);
    } catch (error) {
      throw refusalOfUser(error) ?? error;
    }
  }

  /**
   * The delegated chain. service-b's refusal of the USER is the user's answer, not a gateway failure: 403 stays
   * 403 (e.g. the role orders-user is missing) and 401 means the login is no longer accepted.
   */
  async runAsUser(order: OrderRequestDto, userAccessToken: string): Promise<ChainResult> {
    try {
      return await this.serviceB.postJson<ChainResult>('/api/process', order, userAccessToken);
    } catch (error) {
      throw refusalOfUser(error) ?? error;
    }
  }
}

function refusalOfUser(error: unknown) {
  if (!(error instanceof BadGatewayException)) return undefined;
  const upstream = (error.getResponse() as { upstream?: { status: number; message: string | null } })
    .upstream;
  const reason = upstream?.message ?? 'no reason given';
  if (upstream?.status === 403)
    return new ForbiddenException({
      statusCode: 403,
      error: 'forbidden',
      message: `service-b refused the user: ${reason}`,
    });
  if (upstream?.status === 401)
    return new UnauthorizedException({
      statusCode: 401,
      error: 'login_required',
      message: `service-b no longer accepts the login (${reason}); log in again`,
    });
  return undefined;
}
