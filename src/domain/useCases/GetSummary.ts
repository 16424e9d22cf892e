import { keyHashOf, unauthorized } from '../apiKey.ts';
import type { ImageEncodings } from '../ImageEncodings.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

export interface GetSummaryDeps {
  readonly sessions: SessionStore;
  readonly encodings: EncodingStore;
  readonly cache: EncodingCache;
}

/**
 * Every image of a session with its faces, in upload order. The list of images always
 * comes from storage, so a write shows at once; only the encodings behind each hash,
 * which never change, come from the cache.
 */
export class GetSummary {
  readonly #deps: GetSummaryDeps;

  constructor(deps: GetSummaryDeps) {
    this.#deps = deps;
  }

  async execute(input: { key: string | undefined }): Promise<ImageEncodings[]> {
    const { sessions, encodings, cache } = this.#deps;
    const hashes = await sessions.listImages(keyHashOf(input.key));
    if (hashes === null) throw unauthorized();
    if (hashes.length === 0) return [];

    const cached = await cache.getMany(hashes);
    const missing = hashes.filter((_, i) => cached[i] === null);
    const loaded = missing.length > 0 ? await encodings.findEncodings(missing) : [];
    const bySha = new Map<string, ImageEncodings>();
    for (const image of loaded) {
      if (image === null) continue;
      bySha.set(image.sha256, image);
      await cache.set(image);
    }
    // A hash with no encoding can only be one a concurrent clear just deleted: skip it.
    return hashes.flatMap((sha, i) => cached[i] ?? bySha.get(sha) ?? []);
  }
}
