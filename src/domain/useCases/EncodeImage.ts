import { unauthorized, wellFormedKey } from '../apiKey.ts';
import { checkFaceCount } from '../faceRules.ts';
import { Failure } from '../Failure.ts';
import { hashApiKey, sha256Hex } from '../hashing.ts';
import type { ImageEncodings } from '../ImageEncodings.ts';
import { heldV2EntryOf, type ImageEntry, imageEntryOf, openImage, sealImage, sealLink, sessionKeyOf } from '../sealing.ts';
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

interface Requester {
  readonly keyHash: string;
  readonly caller: string | undefined;
  readonly signal: AbortSignal | undefined;
}

/** Bytes the session holds return their stored result (no encoder call, no second slot); only images of 1 to `maxFaces` faces are stored, sealed; each encoder run is spent from the budgets first. */
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
    const sha256 = sha256Hex(input.image);
    const entry = imageEntryOf(cipher, key, sha256);

    const held = await sessions.listImages(keyHash);
    if (held === null) throw unauthorized();
    const heldIds = held.map((link) => link.entryId);
    const heldEntry = heldIds.includes(entry.id) ? entry : heldV2EntryOf(cipher, sha256, heldIds);
    if (heldEntry) {
      const opened = this.#deps.opened.get(keyHash)?.images.get(heldEntry.id);
      const found = opened ?? (await this.#stored(heldEntry));
      if (found) {
        // The upload this repeats may have been answered 503 before storage confirmed it.
        await sessions.confirmStored(keyHash, heldEntry.id);
        return opened ?? this.#remember(keyHash, heldIds, heldEntry.id, found);
      }
    }
    // Early refusal spares the encoder; the atomic addImage enforces the limit under concurrency.
    if (held.length >= sessionImageLimit && !heldEntry) throw sessionFull(sessionImageLimit);

    const image = await this.#encode(sha256, input.image, { keyHash, caller: input.caller, signal: input.signal });
    const link = sealLink(cipher, sessionKeyOf(cipher, key, keyHash), entry);
    switch (await sessions.addImage(keyHash, link, sealImage(cipher, entry, image), sessionImageLimit)) {
      case 'added':
      case 'duplicate':
        // Not remembered: a concurrent upload of the same bytes may have stored its own encoding first.
        return image;
      case 'full':
        throw sessionFull(sessionImageLimit);
      case 'no_session':
        throw unauthorized();
    }
  }

  async #encode(sha256: string, bytes: Uint8Array, requester: Requester): Promise<ImageEncodings> {
    const inspected = await this.#deps.inspector.inspect(bytes);
    const { keyHash, caller, signal } = requester;
    signal?.throwIfAborted();
    await this.#deps.budget.spend({ session: keyHash, caller });
    const faces = await this.#deps.encoder.encode(bytes, { ...(signal && { signal }), owner: keyHash, inspected });
    checkFaceCount(faces, this.#deps.maxFaces);
    return { sha256, faces };
  }

  #remember(keyHash: string, heldIds: readonly string[], entryId: string, image: ImageEncodings): ImageEncodings {
    const { opened } = this.#deps;
    const known = opened.get(keyHash);
    const images = new Map([...(known?.images ?? [])].filter(([id]) => heldIds.includes(id)));
    opened.set(keyHash, { images: images.set(entryId, image), ...(known?.summary && { summary: known.summary }) });
    return image;
  }

  async #stored(entry: ImageEntry): Promise<ImageEncodings | null> {
    const { cache, encodings, cipher } = this.#deps;
    const [cached] = await cache.getMany([entry.id]);
    const sealed = cached ?? (await encodings.findEntries([entry.id]))[0] ?? null;
    if (sealed === null) return null;
    const image = openImage(cipher, entry, sealed);
    if (image !== null && !cached) await cache.set(entry.id, sealed);
    return image;
  }
}

function sessionFull(limit: number): Failure {
  return new Failure('session_full', `The session already holds ${limit} images; clear it to upload more.`);
}
