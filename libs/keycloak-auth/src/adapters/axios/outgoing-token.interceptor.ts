import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { isAxiosError, InternalAxiosRequestConfig } from 'axios';
import { InvalidTokenError } from '../../errors';
import { ClientCredentialsTokenProvider, TokenExchangeService } from '../../index';
import { KEYCLOAK_HTTP_TOKEN, KeycloakHttpToken } from './keycloak-http.options';
import { currentSubjectToken } from './subject-token.context';

// Marks the one retry of a refused request; axios copies a config's enumerable symbols into the retry's config.
const RETRY = Symbol('keycloak-http:retry');
type RetriableConfig = InternalAxiosRequestConfig & { [RETRY]?: true };

/**
 * Installs on one `HttpService` the axios interceptors that send the configured {@link KeycloakHttpToken} as
 * `Authorization: Bearer`, and on a 401 from the callee drop the cached token, get a fresh one and retry once
 * (a token revoked or of an ended session is refused before it expires). A request that sets its own
 * Authorization header is sent as it is and never retried.
 */
@Injectable()
export class OutgoingTokenInterceptor implements OnModuleInit {
  /** Requests that carry a token this interceptor attached (the config object axios hands to the error). */
  private readonly attached = new WeakSet<InternalAxiosRequestConfig>();

  constructor(
    private readonly http: HttpService,
    @Inject(KEYCLOAK_HTTP_TOKEN) private readonly token: KeycloakHttpToken,
    private readonly clientCredentials: ClientCredentialsTokenProvider,
    private readonly exchange: TokenExchangeService,
  ) {}

  /** Adds the request and response interceptors to the module's axios instance. */
  onModuleInit(): void {
    const axios = this.http.axiosRef;
    axios.interceptors.request.use((config) => this.attach(config));
    axios.interceptors.response.use(undefined, (error: unknown) => this.retryOnce(error));
  }

  private async attach(config: RetriableConfig): Promise<InternalAxiosRequestConfig> {
    // The retry already carries its fresh token; any other Authorization header is the caller's own.
    if (config[RETRY] || config.headers.has('Authorization')) return config;
    config.headers.set('Authorization', `Bearer ${await this.outgoingToken()}`);
    this.attached.add(config);
    return config;
  }

  private async retryOnce(error: unknown): Promise<unknown> {
    if (!isAxiosError(error) || error.response?.status !== 401) throw error;
    const config = error.config as RetriableConfig | undefined;
    if (!config || !this.attached.has(config)) throw error;
    this.invalidate();
    config.headers.set('Authorization', `Bearer ${await this.outgoingToken()}`);
    config[RETRY] = true;
    return this.http.axiosRef.request(config);
  }

  private outgoingToken(): Promise<string> {
    const token = this.token;
    if (token === 'client-credentials') return this.clientCredentials.getToken();
    if ('clientCredentials' in token) return this.clientCredentials.getToken(token.clientCredentials);
    return this.exchange.exchange(this.subjectToken(), token.exchange);
  }

  private invalidate(): void {
    const token = this.token;
    if (token === 'client-credentials') this.clientCredentials.invalidate();
    else if ('clientCredentials' in token) this.clientCredentials.invalidate(token.clientCredentials);
    else this.exchange.invalidate(this.subjectToken(), token.exchange);
  }

  private subjectToken(): string {
    const subject = currentSubjectToken();
    if (!subject)
      throw new InvalidTokenError(
        'token_missing',
        'no verified bearer token of a current request to exchange',
      );
    return subject;
  }
}
