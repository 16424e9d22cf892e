import { Failure } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { FaceEncoder } from '../../ports/FaceEncoder.ts';

export interface QueueingOptions {
  /** Encodes the inner encoder runs at once; the rest wait here, first come first served. */
  readonly concurrency: number;
  /** The longest an image may be expected to wait for its turn; beyond it, it is shed. */
  readonly waitBudgetMs: number;
  /** What one encode is assumed to take until real ones have been timed. */
  readonly initialEncodeMs: number;
  /** Called for each image refused. */
  readonly onShed?: () => void;
}

/** Weight of the newest encode in the running estimate: recent enough to follow a change of load, smooth enough to ignore one odd photo. */
const SMOOTHING = 0.2;

/**
 * Admission by expected wait in front of any encoder. A burst queues as long as the
 * images ahead of a new one are expected to be done within the budget; past that the
 * new one is refused at once (503 encoder_unavailable) with a Retry-After of when the
 * images ahead of it will have been encoded. The expected wait is the images ahead,
 * in rounds of `concurrency`, times the recent encode time (an exponentially weighted
 * average of the measured ones, so it follows the photos actually being sent).
 */
export class QueueingFaceEncoder implements FaceEncoder {
  readonly #inner: FaceEncoder;
  readonly #options: QueueingOptions;
  readonly #waiting: (() => void)[] = [];
  #running = 0;
  #encodeMs: number;
  #readyAt = Infinity;

  constructor(inner: FaceEncoder, options: QueueingOptions) {
    this.#inner = inner;
    this.#options = options;
    this.#encodeMs = options.initialEncodeMs;
    // Encodes that waited for the model to load say nothing about encode time: not timed.
    inner.ping().then(
      () => (this.#readyAt = performance.now()),
      () => undefined,
    );
  }

  /** Images admitted and waiting for their turn. */
  get queueDepth(): number {
    return this.#waiting.length;
  }

  /** What a new image would wait now, in milliseconds. */
  get expectedWaitMs(): number {
    const ahead = this.#running + this.#waiting.length;
    return Math.floor(ahead / this.#options.concurrency) * this.#encodeMs;
  }

  async encode(image: Uint8Array): Promise<Face[]> {
    const waitMs = this.expectedWaitMs;
    if (waitMs > this.#options.waitBudgetMs) {
      this.#options.onShed?.();
      throw new Failure('encoder_unavailable', 'The face encoder is busy; try again after the time in Retry-After.', {
        // When the images now ahead will be done: a client back then finds the queue short.
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      });
    }
    await this.#turn();
    const started = performance.now();
    try {
      return await this.#inner.encode(image);
    } finally {
      if (started >= this.#readyAt) this.#encodeMs += SMOOTHING * (performance.now() - started - this.#encodeMs);
      this.#running -= 1;
      this.#waiting.shift()?.();
    }
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Resolves when this image may run; the slot it takes is given back in encode's finally. */
  async #turn(): Promise<void> {
    if (this.#running < this.#options.concurrency) {
      this.#running += 1;
      return;
    }
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiting.push(() => {
      this.#running += 1;
      resolve();
    });
    await promise;
  }
}
