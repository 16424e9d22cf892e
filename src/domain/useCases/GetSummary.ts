import { unauthorized, wellFormedKey } from '../apiKey.ts';
import { hashApiKey } from '../hashing.ts';
import type { ImageEncodings } from '../ImageEncodings.ts';
import { openImage, openLink, sessionKeyOf } from '../sealing.ts';
import type { Cipher } from '../../ports/Cipher.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { OpenedSessions } from '../../ports/OpenedSessions.ts';
import type { ImageLink, SessionStore } from '../../ports/SessionStore.ts';

export interface GetSummaryDeps {
  readonly sessions: SessionStore;
  readonly encodings: EncodingStore;
  readonly cache: EncodingCache;
  readonly cipher: Cipher;
  readonly opened: OpenedSessions;
}

/**
 * Every image of a session with its faces, in upload order. The list of images always
 * comes from storage, so a write shows at once. Each link is opened with the session's
 * key, derived from the API key this request carries; a link that key cannot open
 * (another session's) gives nothing. What was opened is remembered in this process for
 * the same session, so reading an unchanged list again costs no decryption, and the
 * same array is returned (callers must not change it).
 */
export class GetSummary {
  readonly #deps: GetSummaryDeps;

  constructor(deps: GetSummaryDeps) {
    this.#deps = deps;
  }

  async execute(input: { key: string | undefined }): Promise<readonly ImageEncodings[]> {
    const key = wellFormedKey(input.key);
    const keyHash = hashApiKey(key);
    const links = await this.#deps.sessions.listImages(keyHash);
    if (links === null) throw unauthorized();
    const known = this.#deps.opened.get(keyHash);
    if (known && sameEntries(known.entryIds, links)) return known.images;
    return this.#open(key, keyHash, links, known?.entryIds ?? [], known?.images ?? []);
  }

  async #open(
    key: string,
    keyHash: string,
    links: readonly ImageLink[],
    knownIds: readonly string[],
    knownImages: readonly ImageEncodings[],
  ): Promise<readonly ImageEncodings[]> {
    const { cipher, opened } = this.#deps;
    const sessionKey = sessionKeyOf(cipher, key);
    const newLinks = links.filter((link) => !knownIds.includes(link.entryId));
    const entries = newLinks.map((link) => openLink(cipher, sessionKey, keyHash, link));
    const sealed = await this.#sealedEntries(entries.flatMap((entry) => (entry ? [entry.id] : [])));
    const images = links.map((link): ImageEncodings | null => {
      const known = knownIds.indexOf(link.entryId);
      if (known >= 0) return knownImages[known]!;
      const entry = entries[newLinks.indexOf(link)];
      const bytes = entry && sealed.get(entry.id);
      return entry && bytes ? openImage(cipher, entry, bytes) : null;
    });
    const openedAll = images.filter((image) => image !== null);
    // Remembered only when every link opened: a missing entry (a concurrent clear just
    // deleted it) or a link this key cannot open is looked at again next time.
    if (openedAll.length === links.length) {
      Object.freeze(openedAll);
      opened.set(keyHash, { entryIds: links.map((link) => link.entryId), images: openedAll });
    }
    return openedAll;
  }

  /** Sealed entries by id: from the cache, the rest from storage (then cached). */
  async #sealedEntries(ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    const { cache, encodings } = this.#deps;
    if (ids.length === 0) return new Map();
    const cached = await cache.getMany(ids);
    const missing = ids.filter((_, i) => cached[i] === null);
    const loaded = missing.length > 0 ? await encodings.findEntries(missing) : [];
    const found = new Map<string, Uint8Array>();
    ids.forEach((id, i) => cached[i] && found.set(id, cached[i]));
    for (const [i, id] of missing.entries()) {
      const bytes = loaded[i];
      if (!bytes) continue;
      found.set(id, bytes);
      await cache.set(id, bytes);
    }
    return found;
  }
}

function sameEntries(ids: readonly string[], links: readonly ImageLink[]): boolean {
  return ids.length === links.length && links.every((link, i) => link.entryId === ids[i]);
}
