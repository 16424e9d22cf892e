import { keyHashOf, unauthorized } from '../apiKey.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';
import type { OpenedSessions } from '../../ports/OpenedSessions.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

export interface ClearSessionDeps {
  readonly sessions: SessionStore;
  readonly cache: EncodingCache;
  readonly opened: OpenedSessions;
}

/** The key stays valid. Cache first: if that fails nothing is cleared yet, so a retry finds the entries; the second round catches what a concurrent summary put back. */
export class ClearSession {
  readonly #deps: ClearSessionDeps;

  constructor(deps: ClearSessionDeps) {
    this.#deps = deps;
  }

  async execute(input: { key: string | undefined }): Promise<void> {
    const { sessions, cache, opened } = this.#deps;
    const keyHash = keyHashOf(input.key);
    const held = await sessions.listImages(keyHash);
    if (held === null) throw unauthorized();
    opened.delete(keyHash);
    await cache.delete(held.map((link) => link.entryId));
    const deleted = await sessions.clearSession(keyHash);
    if (deleted === null) throw unauthorized();
    opened.delete(keyHash);
    await cache.delete(deleted);
  }
}
