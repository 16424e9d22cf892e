import type { EncodingCache } from '../../ports/EncodingCache.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

export interface ExpireIdleSessionsDeps {
  readonly sessions: SessionStore;
  readonly cache: EncodingCache;
}

/** What this process opened for the sessions is gone already: OpenedSessions forgets within the TTL. */
export class ExpireIdleSessions {
  readonly #deps: ExpireIdleSessionsDeps;

  constructor(deps: ExpireIdleSessionsDeps) {
    this.#deps = deps;
  }

  /** How many entries were deleted. */
  async execute(): Promise<number> {
    const deleted = await this.#deps.sessions.deleteExpired();
    await this.#deps.cache.delete(deleted);
    return deleted.length;
  }
}
