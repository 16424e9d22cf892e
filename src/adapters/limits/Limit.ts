import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Failure } from '../../domain/Failure.ts';

/** What the service wants to know about its limits; the metrics adapter and the log fill it. */
export interface LimitObserver {
  refused(limit: string): void;
  /** The shared count did not answer, so this process counted alone. */
  countedLocally(limit: string, error: unknown): void;
}

export interface LimitOptions {
  /** The limit's name in metrics and logs, e.g. encodes_per_session. */
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
  /** What a refused client reads in the 429's detail. */
  readonly detail: string;
}

/**
 * A number of points per caller per period, counted by `shared` (in Redis, in the
 * primary process, or in this process's memory). Out of points: Failure('rate_limited')
 * with the seconds until the period ends. While the shared count does not answer (Redis
 * down, a primary that does not reply in time), this process counts alone rather than
 * letting everything through or refusing everything: a limit then holds per process,
 * which is at most WEB_CONCURRENCY (or the number of instances) times looser, and each
 * such decision is reported.
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

  /** Takes a point from `caller`, or throws Failure('rate_limited') when it has none left. */
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

  /** The answer to a caller out of points for `seconds` more, counted as a refusal. */
  refusal(seconds: number): Failure {
    this.#observer.refused(this.name);
    return new Failure('rate_limited', this.#options.detail, { retryAfterSeconds: Math.max(1, seconds) });
  }
}
