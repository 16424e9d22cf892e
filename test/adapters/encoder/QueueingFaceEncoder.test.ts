import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { QueueingFaceEncoder, type QueueingOptions } from '../../../src/adapters/encoder/QueueingFaceEncoder.ts';
import type { Face } from '../../../src/domain/ImageEncodings.ts';
import type { EncodeOptions } from '../../../src/ports/FaceEncoder.ts';
import type { ImageInfo, ImageInspector } from '../../../src/ports/ImageInspector.ts';
import { ScriptedFaceEncoder } from '../../support/ScriptedFaceEncoder.ts';

/** An image named `name`, of `megapixels` as its header would say. */
const image = (name: string, megapixels = 0.1) => new TextEncoder().encode(`image ${name} px:${megapixels * 1e6}`);
const nameOf = (bytes: Uint8Array) => /image (\S+)/.exec(Buffer.from(bytes).toString())![1]!;

/** Reads the pixel count the test wrote into the image. */
class TestInspector implements ImageInspector {
  async inspect(bytes: Uint8Array): Promise<ImageInfo> {
    return { format: 'png', width: Number(/px:(\d+)/.exec(Buffer.from(bytes).toString())![1]), height: 1 };
  }
}

/** The scripted encoder, taking `ms` per image, recording the order images started in and how many ran at once. */
class SlowEncoder extends ScriptedFaceEncoder {
  running = 0;
  mostAtOnce = 0;
  readonly started: string[] = [];
  ms: number;

  constructor(ms: number) {
    super();
    this.ms = ms;
  }

  override async encode(bytes: Uint8Array, options?: EncodeOptions): Promise<Face[]> {
    this.started.push(nameOf(bytes));
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      await sleep(this.ms);
      return await super.encode(bytes, options);
    } finally {
      this.running -= 1;
    }
  }
}

function queued(inner: SlowEncoder, options: Partial<QueueingOptions> = {}) {
  return new QueueingFaceEncoder(inner, {
    concurrency: 2,
    waitBudgetMs: 2000,
    initialCost: { fixedMs: inner.ms, msPerMegapixel: 0 },
    inspector: new TestInspector(),
    ...options,
  });
}

const burst = (n: number, prefix = 'burst') => Array.from({ length: n }, (_, i) => image(`${prefix}-${i}`));
const shedOf = (settled: PromiseSettledResult<unknown>[]) => settled.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));

describe('QueueingFaceEncoder', () => {
  it('queues a burst whose wait fits the budget instead of shedding it, running only `concurrency` at once', async () => {
    const inner = new SlowEncoder(40);
    const encoder = queued(inner);
    const outcomes = Promise.allSettled(burst(20).map((bytes) => encoder.encode(bytes)));
    await sleep(1);
    expect(encoder.queueDepth).toBe(18);
    const settled = await outcomes;
    expect(settled.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(20);
    expect(inner.mostAtOnce).toBe(2);
    expect(encoder.queueDepth).toBe(0);
  });

  it('sheds only what would wait past the budget, with a Retry-After of the work ahead of it', async () => {
    const inner = new SlowEncoder(100);
    // 100 ms an image, two at a time: an image with n ahead waits n x 50 ms, so 21 fit 1 s.
    const encoder = queued(inner, { waitBudgetMs: 1000 });
    const settled = await Promise.allSettled(burst(40).map((bytes) => encoder.encode(bytes)));
    expect(settled.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(21);
    const shed = shedOf(settled);
    expect(shed).toHaveLength(19);
    // 21 ahead: 1.05 s.
    for (const failure of shed) expect(failure).toMatchObject({ code: 'encoder_unavailable', retryAfterSeconds: 2 });
  });

  it('weighs the work ahead by pixels, not by uploads', async () => {
    const inner = new SlowEncoder(200);
    const encoder = queued(inner, { waitBudgetMs: 1000, initialCost: { fixedMs: 20, msPerMegapixel: 100 } });
    // Two small photos running: a third waits (2 x 30 ms) / 2.
    const small = [encoder.encode(image('small-1')), encoder.encode(image('small-2'))];
    await sleep(5);
    expect(encoder.expectedWaitMs).toBeLessThan(50);
    await Promise.all(small);
    // Two 30-megapixel files of a few bytes running: a third would wait ~3 s.
    const large = [encoder.encode(image('large-1', 30)), encoder.encode(image('large-2', 30))];
    await sleep(5);
    await expect(encoder.encode(image('after them'))).rejects.toMatchObject({ code: 'encoder_unavailable', retryAfterSeconds: 4 });
    await Promise.all(large);
  });

  it('gives the next free slot to the owner with the fewest running, and never every slot to one owner', async () => {
    const inner = new SlowEncoder(30);
    const encoder = queued(inner, { concurrency: 3 });
    const a = Array.from({ length: 6 }, (_, i) => encoder.encode(image(`a${i}`), { owner: 'a' }));
    await sleep(5);
    // Owner a holds two of the three slots; the third is kept for anyone else.
    expect(inner.started).toEqual(['a0', 'a1']);
    const b = Array.from({ length: 3 }, (_, i) => encoder.encode(image(`b${i}`), { owner: 'b' }));
    const c = Array.from({ length: 3 }, (_, i) => encoder.encode(image(`c${i}`), { owner: 'c' }));
    await sleep(5);
    expect(inner.started).toEqual(['a0', 'a1', 'b0']);
    await Promise.all([...a, ...b, ...c]);
    // Then in turn, the owner with fewest running first: b and c are not held behind a's queue.
    const order = inner.started.slice(3, 9);
    for (const owner of ['a', 'b', 'c']) expect(order.filter((name) => name.startsWith(owner)).length).toBeGreaterThanOrEqual(1);
    expect(inner.started.indexOf('c2')).toBeLessThan(inner.started.indexOf('a5'));
  });

  it('admits another owner\'s upload while one owner\'s burst is shed for filling its own queue', async () => {
    const inner = new SlowEncoder(100);
    const encoder = queued(inner, { waitBudgetMs: 1000 });
    const flood = Promise.allSettled(burst(30, 'flood').map((bytes) => encoder.encode(bytes, { owner: 'flooder' })));
    await sleep(5);
    const other = encoder.encode(image('normal'), { owner: 'someone else' });
    await expect(other).resolves.toHaveLength(1);
    // It started second: straight into the slot the flood could not take.
    expect(inner.started.indexOf('normal')).toBe(1);
    const shed = shedOf(await flood);
    expect(shed.length).toBeGreaterThan(15);
    for (const failure of shed) expect(failure).toMatchObject({ code: 'encoder_unavailable' });
  });

  it('drops a waiting upload whose caller gives up, and refuses one given up already', async () => {
    const inner = new SlowEncoder(50);
    const abandoned: string[] = [];
    const encoder = queued(inner, { concurrency: 1, onAbandoned: () => abandoned.push('one') });
    const first = encoder.encode(image('first'));
    const caller = new AbortController();
    const waiting = encoder.encode(image('waiting'), { signal: caller.signal });
    await vi.waitFor(() => expect(encoder.queueDepth).toBe(1));
    caller.abort(new Error('the client hung up'));
    await expect(waiting).rejects.toThrow('the client hung up');
    expect(encoder.queueDepth).toBe(0);
    expect(abandoned).toHaveLength(1);
    await expect(encoder.encode(image('late'), { signal: caller.signal })).rejects.toThrow('the client hung up');
    await first;
    expect(inner.started).toEqual(['first']);
  });

  it('lets an upload that already runs finish when its caller gives up', async () => {
    const inner = new SlowEncoder(50);
    const encoder = queued(inner, { concurrency: 1 });
    const caller = new AbortController();
    const running = encoder.encode(image('running'), { signal: caller.signal });
    await vi.waitFor(() => expect(inner.started).toEqual(['running']));
    caller.abort();
    await expect(running).resolves.toHaveLength(1);
    expect(encoder.queueDepth).toBe(0);
  });

  it('estimates from the encodes it timed, not from its first guess', async () => {
    const inner = new SlowEncoder(100);
    const encoder = queued(inner, { concurrency: 1, initialCost: { fixedMs: 5, msPerMegapixel: 0 } });
    for (const bytes of burst(12)) await encoder.encode(bytes);
    const ahead = [encoder.encode(image('running')), encoder.encode(image('queued-1')), encoder.encode(image('queued-2'))];
    await sleep(1);
    // Two queued and what is left of one running, one at a time: 200-300 ms, not the 15 ms guessed.
    expect(encoder.expectedWaitMs).toBeGreaterThan(190);
    expect(encoder.expectedWaitMs).toBeLessThan(350);
    await Promise.all(ahead);
  });

  it('does not time encodes that waited for the encoder to get ready', async () => {
    const inner = new SlowEncoder(10);
    const ready = Promise.withResolvers<void>();
    inner.ping = () => ready.promise;
    const encoder = queued(inner, { concurrency: 1, initialCost: { fixedMs: 10, msPerMegapixel: 0 } });
    // The scripted encoder answers before ready here, so hold the encode as a loading model would.
    inner.ms = 500;
    const loading = encoder.encode(image('while loading'));
    await sleep(20);
    ready.resolve();
    await loading;
    inner.ms = 10;
    await encoder.encode(image('timed'));
    const ahead = [encoder.encode(image('running')), encoder.encode(image('queued'))];
    await sleep(1);
    // ~10 ms each: the 500 ms the first encode waited for the model would have made it ~250.
    expect(encoder.expectedWaitMs).toBeGreaterThan(0);
    expect(encoder.expectedWaitMs).toBeLessThan(100);
    await Promise.all(ahead);
  });
});

describe('QueueingFaceEncoder and the image header', () => {
  /** Records what each encode was told of its image's header. */
  class Recording extends SlowEncoder {
    readonly told: (ImageInfo | undefined)[] = [];

    override async encode(bytes: Uint8Array, options?: EncodeOptions): Promise<Face[]> {
      this.told.push(options?.inspected);
      return super.encode(bytes, options);
    }
  }

  it('weighs an upload by what the inspector already read and passes it on, reading the header itself only when not told', async () => {
    const inspector = new TestInspector();
    const inspect = vi.spyOn(inspector, 'inspect');
    const inner = new Recording(0);
    const encoder = queued(inner, { inspector });
    const inspected = { format: 'jpeg', width: 4000, height: 3000 };
    await encoder.encode(image('told', 12), { inspected });
    expect(inspect).not.toHaveBeenCalled();
    await encoder.encode(image('untold', 0.5));
    expect(inspect).toHaveBeenCalledTimes(1);
    expect(inner.told).toEqual([inspected, { format: 'png', width: 500_000, height: 1 }]);
  });
});
