import CircuitBreaker from 'opossum';
import { Failure, isFailure } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';

export interface CircuitBreakerOptions {
  /** Calls in the rolling window before the failure rate can open the circuit. */
  readonly minimumCalls: number;
  /** Failure percentage at which the circuit opens. */
  readonly failurePercentage: number;
  /** How long an open circuit fails fast before letting one probe through. */
  readonly coolDownMs: number;
  /** Length of the window failures are counted over. */
  readonly windowMs: number;
}

// Answers about the image, not about the encoder's health: they never open the circuit.
const verdictsOnTheImage = new Set(['too_many_faces', 'invalid_image', 'unsupported_media_type', 'file_too_large']);

/**
 * Wraps an encoder so that when it keeps failing (unreachable, timing out, answering
 * garbage), calls fail at once with 503 for a cool-down instead of each waiting for
 * its own timeout; then one probe call decides whether to close again.
 */
export class CircuitBreakingFaceEncoder implements FaceEncoder {
  readonly #inner: FaceEncoder;
  readonly #breaker: CircuitBreaker<[Uint8Array, EncodeOptions | undefined], Face[]>;
  readonly #coolDownMs: number;
  #openedAt = 0;

  constructor(inner: FaceEncoder, options: CircuitBreakerOptions) {
    this.#inner = inner;
    this.#coolDownMs = options.coolDownMs;
    this.#breaker = new CircuitBreaker((image: Uint8Array, options: EncodeOptions | undefined) => inner.encode(image, options), {
      timeout: false, // the inner encoder has its own
      volumeThreshold: options.minimumCalls,
      errorThresholdPercentage: options.failurePercentage,
      resetTimeout: options.coolDownMs,
      rollingCountTimeout: options.windowMs,
      errorFilter: notTheEncodersFault as (error: unknown) => boolean,
    });
    this.#breaker.on('open', () => {
      this.#openedAt = performance.now();
    });
  }

  async encode(image: Uint8Array, options?: EncodeOptions): Promise<Face[]> {
    try {
      return await this.#breaker.fire(image, options);
    } catch (error) {
      if (isFailure(error) || options?.signal?.aborted) throw error;
      // Open, or half-open with its one probe already out: the breaker refused the call.
      const remainingMs = this.#openedAt + this.#coolDownMs - performance.now();
      throw new Failure('encoder_unavailable', 'The face encoder keeps failing; calls to it are paused for a moment.', {
        cause: error,
        retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)),
      });
    }
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  async close(): Promise<void> {
    this.#breaker.shutdown();
    await this.#inner.close();
  }
}

/**
 * Verdicts on the image, and calls whose caller gave up, say nothing about the encoder's
 * health. opossum calls the filter with the call's arguments too, though its types show
 * only the error.
 */
function notTheEncodersFault(error: unknown, _image: Uint8Array, options: EncodeOptions | undefined): boolean {
  return (isFailure(error) && verdictsOnTheImage.has(error.code)) || options?.signal?.aborted === true;
}
