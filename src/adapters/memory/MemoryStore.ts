import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { SessionExpiry } from '../../ports/SessionExpiry.ts';
import type { AddImageOutcome, ImageLink, SessionStore } from '../../ports/SessionStore.ts';

interface Session {
  readonly links: ImageLink[];
  lastUsedAt: number;
}

export interface MemoryStoreContents {
  readonly sessions: Map<string, Session>;
  readonly entries: Map<string, Uint8Array>;
}

/** For tests and throwaway runs. No `await` between a method's reads and writes: that makes addImage atomic. */
export class MemoryStore implements SessionStore, EncodingStore {
  readonly #sessions: Map<string, Session>;
  readonly #entries: Map<string, Uint8Array>;
  readonly #expiry: SessionExpiry;

  constructor(expiry: SessionExpiry = { clock: Date.now }, contents: MemoryStoreContents = { sessions: new Map(), entries: new Map() }) {
    this.#expiry = expiry;
    this.#sessions = contents.sessions;
    this.#entries = contents.entries;
  }

  async createSession(keyHash: string): Promise<void> {
    this.#sessions.set(keyHash, { links: [], lastUsedAt: this.#expiry.clock() });
  }

  async listImages(keyHash: string): Promise<ImageLink[] | null> {
    const session = this.#use(keyHash);
    return session ? [...session.links] : null;
  }

  async addImage(keyHash: string, link: ImageLink, sealedEntry: Uint8Array, limit: number): Promise<AddImageOutcome> {
    const session = this.#use(keyHash);
    if (!session) return 'no_session';
    if (session.links.some((held) => held.entryId === link.entryId)) return 'duplicate';
    if (session.links.length >= limit) return 'full';
    session.links.push(link);
    if (!this.#entries.has(link.entryId)) this.#entries.set(link.entryId, sealedEntry);
    return 'added';
  }

  async clearSession(keyHash: string): Promise<string[] | null> {
    const session = this.#use(keyHash);
    if (!session) return null;
    return this.#deleteOrphans(session.links.splice(0));
  }

  async deleteExpired(): Promise<string[]> {
    const unlinked: ImageLink[] = [];
    for (const [keyHash, session] of this.#sessions) {
      if (!this.#isExpired(session)) continue;
      this.#sessions.delete(keyHash);
      unlinked.push(...session.links);
    }
    return this.#deleteOrphans(unlinked);
  }

  async findEntries(entryIds: readonly string[]): Promise<(Uint8Array | null)[]> {
    return entryIds.map((id) => this.#entries.get(id) ?? null);
  }

  async confirmStored(): Promise<void> {}

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  #use(keyHash: string): Session | undefined {
    const session = this.#sessions.get(keyHash);
    if (!session || this.#isExpired(session)) return undefined;
    session.lastUsedAt = this.#expiry.clock();
    return session;
  }

  #isExpired(session: Session): boolean {
    const { idleTtlMs, clock } = this.#expiry;
    return idleTtlMs !== undefined && clock() - session.lastUsedAt >= idleTtlMs;
  }

  #deleteOrphans(unlinked: readonly ImageLink[]): string[] {
    // Expired sessions not yet swept still count: every adapter keeps their links until deleteExpired.
    const stillLinked = new Set([...this.#sessions.values()].flatMap((session) => session.links.map((link) => link.entryId)));
    const orphans = [...new Set(unlinked.map((link) => link.entryId))].filter((id) => !stillLinked.has(id));
    for (const id of orphans) this.#entries.delete(id);
    return orphans;
  }
}
