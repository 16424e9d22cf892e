import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Failure } from '../../domain/Failure.ts';

export interface LimitObserver {
  refused(limit: string): void;
  countedLocally(limit: string, error: unknown): void;
}

export interface LimitOptions {
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
  readonly detail: string;
}

/**
 * While `shared` does not answer, this process counts alone, neither open nor closed: at most WEB_CONCURRENCY
 * (or instances) times looser, each decision reported. Why: docs/adr/0007-http-limits-and-shutdown.md
 */
export class Limit {
  readonly name: string;
  readonly #options: LimitOptions;
  readonly #shared: RateLimiterAbstract;
  readonly #local: RateLimiterMemory;
  readonly #observer: LimitObserver;

  constructor(options: LimitOptions, shared: RateLimiterAbstract, observer: LimitObserver) {
    this.name = options.name;
    this.#options = options;
    this.#shared = shared;
    this.#local = new RateLimiterMemory({ points: options.points, duration: options.durationSeconds });
    this.#observer = observer;
  }

  /** Throws Failure('rate_limited'), with the seconds until the period ends, when `caller` has no point left. */
  async take(caller: string): Promise<void> {
    try {
      await this.#shared.consume(caller);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw this.refusal(Math.ceil(rejection.msBeforeNext / 1000));
      this.#observer.countedLocally(this.name, rejection);
      try {
        await this.#local.consume(caller);
      } catch (localRejection) {
        throw this.refusal(Math.ceil((localRejection as RateLimiterRes).msBeforeNext / 1000));
      }
    }
  }

  /** Counted as a refusal. */
  refusal(seconds: number): Failure {
    this.#observer.refused(this.name);
    return new Failure('rate_limited', this.#options.detail, { retryAfterSeconds: Math.max(1, seconds) });
  }
}
