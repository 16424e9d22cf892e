import { isFailure, type FailureCode } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';

export interface EncodeObserver {
  encoded(seconds: number, faces: number): void;
  failed(seconds: number, code: FailureCode | 'unexpected'): void;
}

/** Times every encode of the encoder it wraps, counts its faces and its failures by code (not those its caller gave up on). */
export class ObservedFaceEncoder implements FaceEncoder {
  readonly #inner: FaceEncoder;
  readonly #observer: EncodeObserver;
  #inFlight = 0;

  constructor(inner: FaceEncoder, observer: EncodeObserver) {
    this.#inner = inner;
    this.#observer = observer;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  async encode(image: Uint8Array, options?: EncodeOptions): Promise<Face[]> {
    const started = performance.now();
    this.#inFlight += 1;
    try {
      const faces = await this.#inner.encode(image, options);
      this.#observer.encoded((performance.now() - started) / 1000, faces.length);
      return faces;
    } catch (error) {
      if (options?.signal?.aborted) throw error;
      this.#observer.failed((performance.now() - started) / 1000, isFailure(error) ? error.code : 'unexpected');
      throw error;
    } finally {
      this.#inFlight -= 1;
    }
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
