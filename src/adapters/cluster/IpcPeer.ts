import { Failure, isFailure, type FailureCode } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { ImageInfo } from '../../ports/ImageInspector.ts';

export interface Requests {
  encode: { ask: { image: Uint8Array; owner?: string; inspected?: ImageInfo }; answer: { faces: Face[] } };
  ping: { ask: Record<string, never>; answer: Record<string, never> };
  metricsJson: { ask: Record<string, never>; answer: { metrics: object[] } };
}

export type Notice =
  | { readonly kind: 'forget-session'; readonly keyHash: string }
  | { readonly kind: 'evict-entries'; readonly entryIds: readonly string[] };

type Kind = keyof Requests;
/** A handler gets a signal that aborts when the asker gives up, or is gone. */
type Handler<K extends Kind> = (ask: Requests[K]['ask'], signal: AbortSignal) => Promise<Requests[K]['answer']>;
type Handlers = { [K in Kind]?: Handler<K> };

type Message =
  | { faceSessions: 'request'; id: number; kind: Kind; ask: unknown }
  | { faceSessions: 'answer'; id: number; answer?: unknown; failure?: SentFailure }
  | { faceSessions: 'abort'; id: number }
  | { faceSessions: 'notice'; notice: Notice };

interface SentFailure {
  readonly code: FailureCode | 'unexpected';
  readonly detail: string;
  readonly retryAfterSeconds?: number;
}

export interface Endpoint {
  send(message: unknown, sendHandle?: undefined, options?: undefined, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/** One end of the primary-worker channel ('advanced' serialization: images as bytes); tagged messages, so libraries sharing it (rate-limiter-flexible) are left alone. */
export class IpcPeer {
  readonly #endpoint: Endpoint;
  readonly #pending = new Map<number, { resolve: (answer: unknown) => void; reject: (error: Error) => void }>();
  readonly #noticeListeners = new Set<(notice: Notice) => void>();
  readonly #handlers: Handlers = {};
  readonly #handling = new Map<number, AbortController>();
  #nextId = 1;

  constructor(endpoint: Endpoint) {
    this.#endpoint = endpoint;
    endpoint.on('message', (message: unknown) => {
      if (!isMessage(message)) return;
      if (message.faceSessions === 'notice') for (const listener of this.#noticeListeners) listener(message.notice);
      else if (message.faceSessions === 'answer') this.#settle(message);
      else if (message.faceSessions === 'abort') this.#handling.get(message.id)?.abort(new Error('The other process gave up on this request.'));
      else void this.#answer(message);
    });
  }

  static toPrimary(): IpcPeer {
    if (!process.send) throw new Error('not a worker process: there is no primary to talk to');
    return new IpcPeer(process as Endpoint);
  }

  handle<K extends Kind>(kind: K, handler: Handler<K>): this {
    (this.#handlers as Record<Kind, unknown>)[kind] = handler;
    return this;
  }

  /** Asks the other side; if `signal` aborts first, tells it to drop the request and rejects with the signal's reason. */
  ask<K extends Kind>(kind: K, ask: Requests[K]['ask'], signal?: AbortSignal): Promise<Requests[K]['answer']> {
    signal?.throwIfAborted();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const giveUp = () => {
        if (!this.#pending.delete(id)) return;
        this.#endpoint.send({ faceSessions: 'abort', id } satisfies Message, undefined, undefined, () => undefined);
        reject(signal!.reason);
      };
      const settled = (settle: () => void) => {
        signal?.removeEventListener('abort', giveUp);
        settle();
      };
      this.#pending.set(id, {
        resolve: (answer) => settled(() => resolve(answer as Requests[K]['answer'])),
        reject: (error) => settled(() => reject(error)),
      });
      signal?.addEventListener('abort', giveUp, { once: true });
      this.#endpoint.send({ faceSessions: 'request', id, kind, ask } satisfies Message, undefined, undefined, (error) => {
        if (!error || !this.#pending.delete(id)) return;
        signal?.removeEventListener('abort', giveUp);
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

  /** The other process is gone: what it waits for here is dropped, and what this side waits for from it fails. */
  abandon(): void {
    for (const handling of this.#handling.values()) handling.abort(new Error('The other process is gone.'));
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
    const handler = this.#handlers[message.kind] as ((ask: unknown, signal: AbortSignal) => Promise<unknown>) | undefined;
    const handling = new AbortController();
    this.#handling.set(message.id, handling);
    let reply: Message;
    try {
      if (!handler) throw new Error(`no handler for ${message.kind}`);
      reply = { faceSessions: 'answer', id: message.id, answer: await handler(message.ask, handling.signal) };
    } catch (error) {
      reply = { faceSessions: 'answer', id: message.id, failure: sentFailure(error) };
    } finally {
      this.#handling.delete(message.id);
    }
    // The asker may be gone (a worker stopped mid-request): then there is no one to tell.
    this.#endpoint.send(reply, undefined, undefined, () => undefined);
  }
}

function isMessage(message: unknown): message is Message {
  return typeof message === 'object' && message !== null && ['request', 'answer', 'abort', 'notice'].includes((message as { faceSessions?: string }).faceSessions ?? '');
}

function sentFailure(error: unknown): SentFailure {
  if (isFailure(error)) return { code: error.code, detail: error.message, ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }) };
  return { code: 'unexpected', detail: String(error) };
}

function receivedFailure(failure: SentFailure): Error {
  if (failure.code === 'unexpected') return new Error(`in another process of this instance: ${failure.detail}`);
  return new Failure(failure.code, failure.detail, failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds });
}
