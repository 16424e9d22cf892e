import type { ImageEncodings } from '../../domain/ImageEncodings.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { AddImageOutcome, SessionStore } from '../../ports/SessionStore.ts';

/**
 * Sessions and encodings in this process's memory (STORAGE=memory): for tests and
 * throwaway runs; everything is gone on restart. Each method runs without an `await`
 * in between its reads and writes, which is what makes addImage atomic here.
 */
export class MemoryStore implements SessionStore, EncodingStore {
  readonly #sessions = new Map<string, string[]>();
  readonly #encodings = new Map<string, ImageEncodings>();

  async createSession(keyHash: string): Promise<void> {
    this.#sessions.set(keyHash, []);
  }

  async listImages(keyHash: string): Promise<string[] | null> {
    const images = this.#sessions.get(keyHash);
    return images ? [...images] : null;
  }

  async addImage(keyHash: string, image: ImageEncodings, limit: number): Promise<AddImageOutcome> {
    const images = this.#sessions.get(keyHash);
    if (!images) return 'no_session';
    if (images.includes(image.sha256)) return 'duplicate';
    if (images.length >= limit) return 'full';
    images.push(image.sha256);
    if (!this.#encodings.has(image.sha256)) this.#encodings.set(image.sha256, image);
    return 'added';
  }

  async clearSession(keyHash: string): Promise<string[] | null> {
    const images = this.#sessions.get(keyHash);
    if (!images) return null;
    this.#sessions.set(keyHash, []);
    const stillLinked = new Set([...this.#sessions.values()].flat());
    const orphans = [...new Set(images)].filter((sha) => !stillLinked.has(sha));
    for (const sha of orphans) this.#encodings.delete(sha);
    return orphans;
  }

  async findEncodings(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]> {
    return sha256s.map((sha) => this.#encodings.get(sha) ?? null);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
