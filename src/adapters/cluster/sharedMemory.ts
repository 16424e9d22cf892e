import type { EncodingCache } from '../../ports/EncodingCache.ts';
import type { OpenedSession, OpenedSessions } from '../../ports/OpenedSessions.ts';
import type { IpcPeer } from './IpcPeer.ts';

/** Per-process opened sessions; a drop (clear, expiry) reaches every process via the primary, so none keeps a session's faces after it is gone. */
export class SharedOpenedSessions implements OpenedSessions {
  readonly #inner: OpenedSessions;
  readonly #primary: IpcPeer;

  constructor(inner: OpenedSessions, primary: IpcPeer) {
    this.#inner = inner;
    this.#primary = primary;
    primary.onNotice((notice) => {
      if (notice.kind === 'forget-session') inner.delete(notice.keyHash);
    });
  }

  get(keyHash: string): OpenedSession | undefined {
    return this.#inner.get(keyHash);
  }

  set(keyHash: string, session: OpenedSession): void {
    this.#inner.set(keyHash, session);
  }

  delete(keyHash: string): void {
    this.#inner.delete(keyHash);
    this.#primary.tell({ kind: 'forget-session', keyHash });
  }

  close(): void {
    this.#inner.close();
  }
}

export class SharedEncodingCache implements EncodingCache {
  readonly #inner: EncodingCache;
  readonly #primary: IpcPeer;

  constructor(inner: EncodingCache, primary: IpcPeer) {
    this.#inner = inner;
    this.#primary = primary;
    primary.onNotice((notice) => {
      if (notice.kind === 'evict-entries') inner.delete(notice.entryIds).catch(() => undefined);
    });
  }

  getMany(entryIds: readonly string[]): Promise<(Uint8Array | null)[]> {
    return this.#inner.getMany(entryIds);
  }

  set(entryId: string, sealedEntry: Uint8Array): Promise<void> {
    return this.#inner.set(entryId, sealedEntry);
  }

  async delete(entryIds: readonly string[]): Promise<void> {
    await this.#inner.delete(entryIds);
    if (entryIds.length > 0) this.#primary.tell({ kind: 'evict-entries', entryIds });
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
