import { unauthorized, wellFormedKey } from '../apiKey.ts';
import { checkFaceCount } from '../faceRules.ts';
import { Failure } from '../Failure.ts';
import { hashApiKey, sha256Hex } from '../hashing.ts';
import type { ImageEncodings } from '../ImageEncodings.ts';
import { type ImageEntry, imageEntryOf, openImage, sealImage, sealLink, sessionKeyOf } from '../sealing.ts';
import type { Cipher } from '../../ports/Cipher.ts';
import type { EncodeBudget } from '../../ports/EncodeBudget.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { FaceEncoder } from '../../ports/FaceEncoder.ts';
import type { ImageInspector } from '../../ports/ImageInspector.ts';
import type { OpenedSessions } from '../../ports/OpenedSessions.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

export interface EncodeImageDeps {
  readonly sessions: SessionStore;
  readonly encodings: EncodingStore;
  readonly cache: EncodingCache;
  readonly cipher: Cipher;
  readonly opened: OpenedSessions;
  readonly inspector: ImageInspector;
  readonly encoder: FaceEncoder;
  readonly budget: EncodeBudget;
  readonly sessionImageLimit: number;
  readonly maxFaces: number;
}

/** Who asks for an encode: the session, the client (an opaque name from the driver), and whether it still waits for the answer. */
interface Requester {
  readonly keyHash: string;
  readonly caller: string | undefined;
  readonly signal: AbortSignal | undefined;
}

interface Encodings {
  readonly image: ImageEncodings;
  readonly sealed: Uint8Array;
  /** Opened from what storage holds, rather than encoded by this request. */
  readonly stored: boolean;
}

/**
 * Adds one image to a session and returns its faces. Bytes already encoded (in any
 * session) are answered from their stored entry, found and opened by the bytes' SHA-256,
 * without calling the encoder; bytes already in this session return the same result
 * without taking a second slot (from what this process already opened for the session,
 * when it has). Nothing is stored unless the image has between one and `maxFaces` faces,
 * and nothing is stored unsealed. Each run of the encoder, whatever it finds, is spent
 * from the session's and the caller's encode budgets first; answers given without the
 * encoder cost nothing. A request whose client has gone (`signal` aborted) is dropped
 * from the encoder's queue, and rejects with the signal's reason.
 */
export class EncodeImage {
  readonly #deps: EncodeImageDeps;

  constructor(deps: EncodeImageDeps) {
    this.#deps = deps;
  }

  async execute(input: { key: string | undefined; image: Uint8Array; caller?: string; signal?: AbortSignal }): Promise<ImageEncodings> {
    const { sessions, cipher, sessionImageLimit } = this.#deps;
    const key = wellFormedKey(input.key);
    const keyHash = hashApiKey(key);
    if (input.image.byteLength === 0) throw new Failure('missing_file', 'The "file" part is empty.');
    const entry = imageEntryOf(cipher, sha256Hex(input.image));

    const held = await sessions.listImages(keyHash);
    if (held === null) throw unauthorized();
    const heldIds = held.map((link) => link.entryId);
    const holds = heldIds.includes(entry.id);
    // A retry of an image this session already holds: its answer is stored, nothing to add.
    if (holds) {
      const opened = this.#deps.opened.get(keyHash)?.images.get(entry.id);
      if (opened) return opened;
      const stored = await this.#stored(entry);
      if (stored) return this.#remember(keyHash, heldIds, entry, stored.image);
    }
    // Cheap early refusal so a full session never costs an encoder call; the atomic
    // addImage below is what actually enforces the limit under concurrency.
    if (held.length >= sessionImageLimit && !holds) throw sessionFull(sessionImageLimit);

    const requester = { keyHash, caller: input.caller, signal: input.signal };
    const { image, sealed, stored } = await this.#encodingsOf(entry, input.image, requester);
    const link = sealLink(cipher, sessionKeyOf(cipher, key), keyHash, entry);
    switch (await sessions.addImage(keyHash, link, sealed, sessionImageLimit)) {
      case 'added':
      case 'duplicate':
        // Only what storage holds is remembered: a concurrent upload of the same bytes may have stored its own encoding first.
        return stored ? this.#remember(keyHash, heldIds, entry, image) : image;
      case 'full':
        throw sessionFull(sessionImageLimit);
      case 'no_session':
        throw unauthorized();
    }
  }

  async #encodingsOf(entry: ImageEntry, bytes: Uint8Array, requester: Requester): Promise<Encodings> {
    const stored = await this.#stored(entry);
    if (stored) return stored;
    await this.#deps.inspector.inspect(bytes);
    const { keyHash, caller, signal } = requester;
    signal?.throwIfAborted();
    await this.#deps.budget.spend({ session: keyHash, caller });
    const faces = await this.#deps.encoder.encode(bytes, { ...(signal && { signal }), owner: keyHash });
    checkFaceCount(faces, this.#deps.maxFaces);
    const image = { sha256: entry.sha256, faces };
    return { image, sealed: sealImage(this.#deps.cipher, entry, image), stored: false };
  }

  /** Adds `image` to what this process opened for the session, keeping only images it still holds. */
  #remember(keyHash: string, heldIds: readonly string[], entry: ImageEntry, image: ImageEncodings): ImageEncodings {
    const { opened } = this.#deps;
    const known = opened.get(keyHash);
    const images = new Map([...(known?.images ?? [])].filter(([id]) => heldIds.includes(id)));
    opened.set(keyHash, { images: images.set(entry.id, image), ...(known?.summary && { summary: known.summary }) });
    return image;
  }

  /** The entry already stored for these bytes, opened: from the cache, else storage (then cached). */
  async #stored(entry: ImageEntry): Promise<Encodings | null> {
    const { cache, encodings, cipher } = this.#deps;
    const [cached] = await cache.getMany([entry.id]);
    const sealed = cached ?? (await encodings.findEntries([entry.id]))[0] ?? null;
    if (sealed === null) return null;
    const image = openImage(cipher, entry, sealed);
    if (image === null) return null;
    if (!cached) await cache.set(entry.id, sealed);
    return { image, sealed, stored: true };
  }
}

function sessionFull(limit: number): Failure {
  return new Failure('session_full', `The session already holds ${limit} images; clear it to upload more.`);
}
