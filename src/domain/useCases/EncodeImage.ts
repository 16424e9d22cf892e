import { keyHashOf, unauthorized } from '../apiKey.ts';
import { checkFaceCount } from '../faceRules.ts';
import { Failure } from '../Failure.ts';
import { sha256Hex } from '../hashing.ts';
import type { ImageEncodings } from '../ImageEncodings.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { FaceEncoder } from '../../ports/FaceEncoder.ts';
import type { ImageInspector } from '../../ports/ImageInspector.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

export interface EncodeImageDeps {
  readonly sessions: SessionStore;
  readonly encodings: EncodingStore;
  readonly cache: EncodingCache;
  readonly inspector: ImageInspector;
  readonly encoder: FaceEncoder;
  readonly sessionImageLimit: number;
  readonly maxFaces: number;
}

/**
 * Adds one image to a session and returns its faces. Bytes already encoded (in any
 * session) are answered from storage by SHA-256 without calling the encoder; bytes
 * already in this session return the same result without taking a second slot.
 * Nothing is stored unless the image has between one and `maxFaces` faces.
 */
export class EncodeImage {
  readonly #deps: EncodeImageDeps;

  constructor(deps: EncodeImageDeps) {
    this.#deps = deps;
  }

  async execute(input: { key: string | undefined; image: Uint8Array }): Promise<ImageEncodings> {
    const { sessions, sessionImageLimit } = this.#deps;
    const keyHash = keyHashOf(input.key);
    if (input.image.byteLength === 0) throw new Failure('missing_file', 'The "file" part is empty.');
    const sha256 = sha256Hex(input.image);

    const held = await sessions.listImages(keyHash);
    if (held === null) throw unauthorized();
    // A retry of an image this session already holds: its answer is stored, nothing to add.
    if (held.includes(sha256)) {
      const stored = await this.#stored(sha256);
      if (stored) return stored;
    }
    // Cheap early refusal so a full session never costs an encoder call; the atomic
    // addImage below is what actually enforces the limit under concurrency.
    if (held.length >= sessionImageLimit && !held.includes(sha256)) throw sessionFull(sessionImageLimit);

    const image = await this.#encodingsOf(sha256, input.image);
    switch (await sessions.addImage(keyHash, image, sessionImageLimit)) {
      case 'added':
      case 'duplicate':
        return image;
      case 'full':
        throw sessionFull(sessionImageLimit);
      case 'no_session':
        throw unauthorized();
    }
  }

  async #encodingsOf(sha256: string, bytes: Uint8Array): Promise<ImageEncodings> {
    const stored = await this.#stored(sha256);
    if (stored) return stored;
    await this.#deps.inspector.inspect(bytes);
    const faces = await this.#deps.encoder.encode(bytes);
    checkFaceCount(faces, this.#deps.maxFaces);
    return { sha256, faces };
  }

  /** Encodings already known for these bytes: from the cache, else storage (then cached). */
  async #stored(sha256: string): Promise<ImageEncodings | null> {
    const [cached] = await this.#deps.cache.getMany([sha256]);
    if (cached) return cached;
    const [stored] = await this.#deps.encodings.findEncodings([sha256]);
    if (stored) await this.#deps.cache.set(stored);
    return stored ?? null;
  }
}

function sessionFull(limit: number): Failure {
  return new Failure('session_full', `The session already holds ${limit} images; clear it to upload more.`);
}
