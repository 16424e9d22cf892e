import type { ImageEncodings } from '../domain/ImageEncodings.ts';

export interface OpenedSession {
  readonly images: ReadonlyMap<string, ImageEncodings>;
  /** The last summary: the entry ids storage listed and, in that order, their images. */
  readonly summary?: { readonly entryIds: readonly string[]; readonly images: readonly ImageEncodings[] };
}

/** This process's memory only, never written; dropped on clear, aged out within half the idle TTL. Synchronous: a shared store (Redis) would defeat its purpose. */
export interface OpenedSessions {
  get(keyHash: string): OpenedSession | undefined;
  set(keyHash: string, session: OpenedSession): void;
  delete(keyHash: string): void;
  close(): void;
}
