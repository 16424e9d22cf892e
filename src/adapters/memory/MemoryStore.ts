import type { ImageEncodings } from '../../domain/ImageEncodings.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { SessionExpiry } from '../../ports/SessionExpiry.ts';
import type { AddImageOutcome, SessionStore } from '../../ports/SessionStore.ts';

interface Session {
  readonly images: string[];
  lastUsedAt: number;
}

/**
 * Sessions and encodings in this process's memory (STORAGE=memory): for tests and
 * throwaway runs; everything is gone on restart. Each method runs without an `await`
 * in between its reads and writes, which is what makes addImage atomic here.
 */
export class MemoryStore implements SessionStore, EncodingStore {
  readonly #sessions = new Map<string, Session>();
  readonly #encodings = new Map<string, ImageEncodings>();
  readonly #expiry: SessionExpiry;

  constructor(expiry: SessionExpiry = { clock: Date.now }) {
    this.#expiry = expiry;
  }

  async createSession(keyHash: string): Promise<void> {
    this.#sessions.set(keyHash, { images: [], lastUsedAt: this.#expiry.clock() });
  }

  async listImages(keyHash: string): Promise<string[] | null> {
    const session = this.#use(keyHash);
    return session ? [...session.images] : null;
  }

  async addImage(keyHash: string, image: ImageEncodings, limit: number): Promise<AddImageOutcome> {
    const session = this.#use(keyHash);
    if (!session) return 'no_session';
    if (session.images.includes(image.sha256)) return 'duplicate';
    if (session.images.length >= limit) return 'full';
    session.images.push(image.sha256);
    if (!this.#encodings.has(image.sha256)) this.#encodings.set(image.sha256, image);
    return 'added';
  }

  async clearSession(keyHash: string): Promise<string[] | null> {
    const session = this.#use(keyHash);
    if (!session) return null;
    return this.#deleteOrphans(session.images.splice(0));
  }

  async deleteExpired(): Promise<string[]> {
    const unlinked: string[] = [];
    for (const [keyHash, session] of this.#sessions) {
      if (!this.#isExpired(session)) continue;
      this.#sessions.delete(keyHash);
      unlinked.push(...session.images);
    }
    return this.#deleteOrphans(unlinked);
  }

  async findEncodings(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]> {
    return sha256s.map((sha) => this.#encodings.get(sha) ?? null);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  /** The live session, its TTL restarted; an expired one counts as missing. */
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

  #deleteOrphans(unlinked: readonly string[]): string[] {
    // Expired sessions not yet swept still count: every adapter keeps their links until deleteExpired.
    const stillLinked = new Set([...this.#sessions.values()].flatMap((session) => session.images));
    const orphans = [...new Set(unlinked)].filter((sha) => !stillLinked.has(sha));
    for (const sha of orphans) this.#encodings.delete(sha);
    return orphans;
  }
}
