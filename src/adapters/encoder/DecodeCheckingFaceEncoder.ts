import { Failure } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';
import { sharp } from '../imageFormats.ts';

/**
 * In front of a remote encoder: decodes each image (to a thumbnail: libvips shrinks a
 * JPEG while it decodes it) and refuses a truncated or corrupt one as invalid_image
 * before the network call, which would cost more than the decode. It belongs behind the
 * queue, as the built-in engine's pool is: the decode is then charged to the budgets,
 * weighed by its pixels and bounded in number like any encode.
 */
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
