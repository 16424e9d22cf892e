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

/** In upload order; the list always comes from storage, so a write shows at once. A link this key cannot open gives nothing. */
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
    if (known?.summary && sameEntries(known.summary.entryIds, links)) return known.summary.images;
    return this.#open(key, keyHash, links, known?.images ?? new Map());
  }

  async #open(
    key: string,
    keyHash: string,
    links: readonly ImageLink[],
    known: ReadonlyMap<string, ImageEncodings>,
  ): Promise<readonly ImageEncodings[]> {
    const { cipher, opened } = this.#deps;
    const newLinks = links.filter((link) => !known.has(link.entryId));
    const session = newLinks.length > 0 ? sessionKeyOf(cipher, key, keyHash) : undefined;
    const entries = newLinks.map((link) => (session ? openLink(cipher, session, link) : null));
    const sealed = await this.#sealedEntries(entries.flatMap((entry) => (entry ? [entry.id] : [])));
    const images = new Map<string, ImageEncodings>();
    for (const link of links) {
      const entry = entries[newLinks.indexOf(link)];
      const bytes = entry && sealed.get(entry.id);
      const image = known.get(link.entryId) ?? (entry && bytes ? openImage(cipher, entry, bytes) : null);
      if (image) images.set(link.entryId, image);
    }
    const listed = Object.freeze([...images.values()]);
    // Remembered only when every link opened: a missing entry (a concurrent clear) or an unopenable link is looked at again.
    const complete = listed.length === links.length;
    opened.set(keyHash, { images, ...(complete && { summary: { entryIds: links.map((link) => link.entryId), images: listed } }) });
    return listed;
  }

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
