import QuickLRU from 'quick-lru';
import type { OpenedSession, OpenedSessions } from '../../ports/OpenedSessions.ts';

export interface LruOpenedSessionsOptions {
  readonly maxSessions: number;
  /** How long an opened session may be used; it is gone from memory within a quarter of this more. */
  readonly maxAgeMs: number;
}

/** QuickLRU drops an expired entry only when touched, so a timer walks them every `maxAgeMs` / 4, even when idle. */
export class LruOpenedSessions implements OpenedSessions {
  readonly #lru: QuickLRU<string, OpenedSession>;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: LruOpenedSessionsOptions) {
    // QuickLRU keeps up to twice maxSize (a current and a previous generation).
    this.#lru = new QuickLRU({ maxSize: Math.max(1, Math.ceil(options.maxSessions / 2)), maxAge: options.maxAgeMs });
    this.#sweeper = setInterval(() => this.#forgetExpired(), options.maxAgeMs / 4).unref();
  }

  get(keyHash: string): OpenedSession | undefined {
    return this.#lru.get(keyHash);
  }

  set(keyHash: string, session: OpenedSession): void {
    this.#lru.set(keyHash, session);
  }

  delete(keyHash: string): void {
    this.#lru.delete(keyHash);
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#lru.clear();
  }

  #forgetExpired(): void {
    for (const _ of this.#lru.keys());
  }
}
