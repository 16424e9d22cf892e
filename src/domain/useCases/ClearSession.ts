import { keyHashOf, unauthorized } from '../apiKey.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

export interface ClearSessionDeps {
  readonly sessions: SessionStore;
  readonly cache: EncodingCache;
}

/** Empties a session; its key stays valid. Encodings left unreferenced are deleted. */
export class ClearSession {
  readonly #deps: ClearSessionDeps;

  constructor(deps: ClearSessionDeps) {
    this.#deps = deps;
  }

  async execute(input: { key: string | undefined }): Promise<void> {
    const deleted = await this.#deps.sessions.clearSession(keyHashOf(input.key));
    if (deleted === null) throw unauthorized();
    if (deleted.length > 0) await this.#deps.cache.delete(deleted);
  }
}
