import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { IpcPeer, type Endpoint } from '../../src/adapters/cluster/IpcPeer.ts';
import { SharedOpenedSessions } from '../../src/adapters/cluster/sharedMemory.ts';
import { LruOpenedSessions } from '../../src/adapters/memory/LruOpenedSessions.ts';
import { Failure } from '../../src/domain/Failure.ts';

/** Two ends of a channel, as a worker's `process` and the primary's handle on it, cloning what crosses. */
function channel(): [Endpoint, Endpoint] {
  const [a, b] = [new EventEmitter(), new EventEmitter()];
  const end = (self: EventEmitter, other: EventEmitter): Endpoint =>
    Object.assign(self, {
      send(message: unknown, _handle?: undefined, _options?: undefined, callback?: (error: Error | null) => void) {
        setImmediate(() => other.emit('message', structuredClone(message)));
        callback?.(null);
        return true;
      },
    });
  return [end(a, b), end(b, a)];
}

describe('IpcPeer', () => {
  it('answers a request by id, and brings a Failure across with its code and Retry-After', async () => {
    const [worker, primary] = channel();
    new IpcPeer(primary).handle('encode', async ({ image }) => {
      if (image.length === 0) throw new Failure('encoder_unavailable', 'busy', { retryAfterSeconds: 3 });
      return { faces: [{ encoding: [image.length] }] };
    });
    const peer = new IpcPeer(worker);
    expect(await peer.ask('encode', { image: Uint8Array.of(1, 2, 3) })).toEqual({ faces: [{ encoding: [3] }] });
    const failed = peer.ask('encode', { image: new Uint8Array() });
    await expect(failed).rejects.toBeInstanceOf(Failure);
    await expect(failed).rejects.toMatchObject({ code: 'encoder_unavailable', retryAfterSeconds: 3 });
  });

  it('reports a bug on the other side as an error, not a Failure a client would see as expected', async () => {
    const [worker, primary] = channel();
    new IpcPeer(primary).handle('ping', async () => {
      throw new TypeError('undefined is not a function');
    });
    await expect(new IpcPeer(worker).ask('ping', {})).rejects.toThrow('undefined is not a function');
  });

  it('tells the other side to drop a request the asker gave up on, and the owner of an encode', async () => {
    const [worker, primary] = channel();
    const seen: { owner?: string; aborted?: unknown }[] = [];
    new IpcPeer(primary).handle('encode', async ({ owner }, signal) => {
      const call: (typeof seen)[number] = owner === undefined ? {} : { owner };
      seen.push(call);
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      call.aborted = signal.reason;
      return { faces: [] };
    });
    const caller = new AbortController();
    const asked = new IpcPeer(worker).ask('encode', { image: Uint8Array.of(1), owner: 'session' }, caller.signal);
    await new Promise((resolve) => setTimeout(resolve, 10));
    caller.abort(new Error('the client hung up'));
    await expect(asked).rejects.toThrow('the client hung up');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual([{ owner: 'session', aborted: expect.any(Error) }]);
  });

  it('drops what a gone process asked for', async () => {
    const [worker, primary] = channel();
    const primaryPeer = new IpcPeer(primary);
    let dropped = false;
    primaryPeer.handle('ping', (_, signal) => new Promise((resolve) => signal.addEventListener('abort', () => ((dropped = true), resolve({})))));
    void new IpcPeer(worker).ask('ping', {}).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 10));
    primaryPeer.abandon();
    expect(dropped).toBe(true);
  });

  it('leaves messages that are not its own to the libraries sharing the channel', async () => {
    const [worker, primary] = channel();
    new IpcPeer(primary).handle('ping', async () => ({}));
    worker.send({ type: 'rate-limiter-flexible', key: 'x' });
    expect(await new IpcPeer(worker).ask('ping', {})).toEqual({});
  });
});

describe('SharedOpenedSessions', () => {
  it('tells the primary when it forgets a session, and forgets one when told', async () => {
    const [worker, primary] = channel();
    const told: unknown[] = [];
    const primaryPeer = new IpcPeer(primary);
    primaryPeer.onNotice((notice) => told.push(notice));
    const opened = new SharedOpenedSessions(new LruOpenedSessions({ maxSessions: 10, maxAgeMs: 60_000 }), new IpcPeer(worker));
    opened.set('a', { images: new Map() });
    opened.set('b', { images: new Map() });

    opened.delete('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(told).toEqual([{ kind: 'forget-session', keyHash: 'a' }]);

    primaryPeer.tell({ kind: 'forget-session', keyHash: 'b' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(opened.get('b')).toBeUndefined();
    opened.close();
  });
});
