import CircuitBreaker from 'opossum';
import { Failure, isFailure } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';

export interface CircuitBreakerOptions {
  readonly minimumCalls: number;
  readonly failurePercentage: number;
  readonly coolDownMs: number;
  readonly windowMs: number;
}

// Answers about the image, not about the encoder's health: they never open the circuit.
const verdictsOnTheImage = new Set(['too_many_faces', 'invalid_image', 'unsupported_media_type', 'file_too_large']);

/** While the inner encoder keeps failing, calls fail at once with 503 encoder_unavailable for a cool-down; then one probe decides. */
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

// opossum passes the call's arguments to the filter too, though its types show only the error.
function notTheEncodersFault(error: unknown, _image: Uint8Array, options: EncodeOptions | undefined): boolean {
  return (isFailure(error) && verdictsOnTheImage.has(error.code)) || options?.signal?.aborted === true;
}
