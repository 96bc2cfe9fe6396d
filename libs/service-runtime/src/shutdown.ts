import { Injectable } from '@nestjs/common';

/**
 * Whether the service is draining: set on SIGTERM, from when readiness answers 503 (so the load balancer stops
 * sending new requests) while the requests under way finish.
 */
@Injectable()
export class ShutdownState {
  private drainingSince?: string;

  /** Marks the start of the drain; `signal` is what started it. */
  drain(signal: string): void {
    this.drainingSince ??= signal;
  }

  /** The signal that started the drain, or undefined while the service is serving normally. */
  get draining(): string | undefined {
    return this.drainingSince;
  }
}
