import { keyHashOf, unauthorized } from '../apiKey.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

export interface ClearSessionDeps {
  readonly sessions: SessionStore;
  readonly cache: EncodingCache;
}

/**
 * Empties a session; its key stays valid. Encodings left unreferenced are deleted from
 * storage and cache. The session's images leave the cache first (evicting a shared one
 * only costs a miss): if that fails nothing is cleared yet, so a retry still finds
 * them. The second eviction catches an entry a concurrent summary put back.
 */
export class ClearSession {
  readonly #deps: ClearSessionDeps;

  constructor(deps: ClearSessionDeps) {
    this.#deps = deps;
  }

  async execute(input: { key: string | undefined }): Promise<void> {
    const { sessions, cache } = this.#deps;
    const keyHash = keyHashOf(input.key);
    const held = await sessions.listImages(keyHash);
    if (held === null) throw unauthorized();
    await cache.delete(held);
    const deleted = await sessions.clearSession(keyHash);
    if (deleted === null) throw unauthorized();
    await cache.delete(deleted);
  }
}
