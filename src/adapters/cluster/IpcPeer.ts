import { Failure, isFailure, type FailureCode } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';

/** Questions the processes of one instance ask each other, and their answers. */
export interface Requests {
  /** Worker to primary: the primary hosts the one face engine. */
  encode: { ask: { image: Uint8Array }; answer: { faces: Face[] } };
  ping: { ask: Record<string, never>; answer: Record<string, never> };
  /** Primary to worker: its registry, as prom-client's JSON, for the primary to add up. */
  metricsJson: { ask: Record<string, never>; answer: { metrics: object[] } };
}

/** Told, not asked: what one process dropped from memory, for the others to drop too. */
export type Notice =
  | { readonly kind: 'forget-session'; readonly keyHash: string }
  | { readonly kind: 'evict-entries'; readonly entryIds: readonly string[] };

type Kind = keyof Requests;
type Handlers = { [K in Kind]?: (ask: Requests[K]['ask']) => Promise<Requests[K]['answer']> };

type Message =
  | { faceSessions: 'request'; id: number; kind: Kind; ask: unknown }
  | { faceSessions: 'answer'; id: number; answer?: unknown; failure?: SentFailure }
  | { faceSessions: 'notice'; notice: Notice };

interface SentFailure {
  readonly code: FailureCode | 'unexpected';
  readonly detail: string;
  readonly retryAfterSeconds?: number;
}

/** A process, or the primary's handle on a worker: both send and receive messages. */
export interface Endpoint {
  send(message: unknown, sendHandle?: undefined, options?: undefined, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * One end of the IPC channel between the primary and a worker (node:cluster, with
 * 'advanced' serialization so images travel as bytes): requests answered by id, and
 * notices. Messages are tagged, so libraries sharing the channel (rate-limiter-flexible)
 * are left alone, and Failures cross it as data (classes do not).
 */
export class IpcPeer {
  readonly #endpoint: Endpoint;
  readonly #pending = new Map<number, { resolve: (answer: unknown) => void; reject: (error: Error) => void }>();
  readonly #noticeListeners = new Set<(notice: Notice) => void>();
  readonly #handlers: Handlers = {};
  #nextId = 1;

  constructor(endpoint: Endpoint) {
    this.#endpoint = endpoint;
    endpoint.on('message', (message: unknown) => {
      if (!isMessage(message)) return;
      if (message.faceSessions === 'notice') for (const listener of this.#noticeListeners) listener(message.notice);
      else if (message.faceSessions === 'answer') this.#settle(message);
      else void this.#answer(message);
    });
  }

  /** In an HTTP worker: the channel to the primary process that forked it. */
  static toPrimary(): IpcPeer {
    if (!process.send) throw new Error('not a worker process: there is no primary to talk to');
    return new IpcPeer(process as Endpoint);
  }

  /** Answers the other side's requests of this kind. */
  handle<K extends Kind>(kind: K, handler: (ask: Requests[K]['ask']) => Promise<Requests[K]['answer']>): this {
    (this.#handlers as Record<Kind, unknown>)[kind] = handler;
    return this;
  }

  ask<K extends Kind>(kind: K, ask: Requests[K]['ask']): Promise<Requests[K]['answer']> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (answer: unknown) => void, reject });
      this.#endpoint.send({ faceSessions: 'request', id, kind, ask } satisfies Message, undefined, undefined, (error) => {
        if (!error) return;
        this.#pending.delete(id);
        reject(new Failure('encoder_unavailable', 'The other process of this instance is gone.', { cause: error, retryAfterSeconds: 1 }));
      });
    });
  }

  tell(notice: Notice): void {
    this.#endpoint.send({ faceSessions: 'notice', notice } satisfies Message);
  }

  onNotice(listener: (notice: Notice) => void): void {
    this.#noticeListeners.add(listener);
  }

  /** Requests still waiting fail: the other process is gone. */
  abandon(): void {
    for (const { reject } of this.#pending.values()) reject(new Failure('encoder_unavailable', 'The other process of this instance is gone.', { retryAfterSeconds: 1 }));
    this.#pending.clear();
  }

  #settle(message: Extract<Message, { faceSessions: 'answer' }>): void {
    const pending = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    if (!pending) return;
    if (message.failure) pending.reject(receivedFailure(message.failure));
    else pending.resolve(message.answer);
  }

  async #answer(message: Extract<Message, { faceSessions: 'request' }>): Promise<void> {
    const handler = this.#handlers[message.kind] as ((ask: unknown) => Promise<unknown>) | undefined;
    let reply: Message;
    try {
      if (!handler) throw new Error(`no handler for ${message.kind}`);
      reply = { faceSessions: 'answer', id: message.id, answer: await handler(message.ask) };
    } catch (error) {
      reply = { faceSessions: 'answer', id: message.id, failure: sentFailure(error) };
    }
    // The asker may be gone (a worker stopped mid-request): then there is no one to tell.
    this.#endpoint.send(reply, undefined, undefined, () => undefined);
  }
}

function isMessage(message: unknown): message is Message {
  return typeof message === 'object' && message !== null && ['request', 'answer', 'notice'].includes((message as { faceSessions?: string }).faceSessions ?? '');
}

function sentFailure(error: unknown): SentFailure {
  if (isFailure(error)) return { code: error.code, detail: error.message, ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }) };
  return { code: 'unexpected', detail: String(error) };
}

function receivedFailure(failure: SentFailure): Error {
  if (failure.code === 'unexpected') return new Error(`in another process of this instance: ${failure.detail}`);
  return new Failure(failure.code, failure.detail, failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds });
}
