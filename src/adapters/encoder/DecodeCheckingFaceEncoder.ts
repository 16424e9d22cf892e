import { Failure } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';
import { sharp } from '../imageFormats.ts';

/** Refuses a truncated or corrupt image (invalid_image) before a remote encoder's costlier call; behind the queue, so the decode counts against its budget. */
export class DecodeCheckingFaceEncoder implements FaceEncoder {
  readonly #inner: FaceEncoder;
  readonly #maxInputPixels: number;

  constructor(inner: FaceEncoder, maxInputPixels: number) {
    this.#inner = inner;
    this.#maxInputPixels = maxInputPixels;
  }

  async encode(image: Uint8Array, options?: EncodeOptions): Promise<Face[]> {
    try {
      await sharp(image, { limitInputPixels: this.#maxInputPixels }).resize(256, 256, { fit: 'inside' }).raw().toBuffer();
    } catch (error) {
      throw new Failure('invalid_image', 'The image is truncated or corrupt and cannot be decoded.', { cause: error });
    }
    options?.signal?.throwIfAborted();
    return this.#inner.encode(image, options);
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
