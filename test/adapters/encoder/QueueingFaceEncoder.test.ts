import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { QueueingFaceEncoder, type QueueingOptions } from '../../../src/adapters/encoder/QueueingFaceEncoder.ts';
import type { Face } from '../../../src/domain/ImageEncodings.ts';
import { fakeImage, ScriptedFaceEncoder } from '../../support/ScriptedFaceEncoder.ts';

/** The scripted encoder, taking `ms` per image, recording how many ran at once. */
class SlowEncoder extends ScriptedFaceEncoder {
  running = 0;
  mostAtOnce = 0;
  ms: number;

  constructor(ms: number) {
    super();
    this.ms = ms;
  }

  override async encode(image: Uint8Array): Promise<Face[]> {
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      await sleep(this.ms);
      return await super.encode(image);
    } finally {
      this.running -= 1;
    }
  }
}

function queued(inner: SlowEncoder, options: Partial<QueueingOptions> = {}) {
  return new QueueingFaceEncoder(inner, { concurrency: 2, waitBudgetMs: 2000, initialEncodeMs: inner.ms, ...options });
}

const burst = (n: number) => Array.from({ length: n }, (_, i) => fakeImage(`burst-${i}`));

describe('QueueingFaceEncoder', () => {
  it('queues a burst whose wait fits the budget instead of shedding it, running only `concurrency` at once', async () => {
    const inner = new SlowEncoder(40);
    const encoder = queued(inner);
    const outcomes = Promise.allSettled(burst(20).map((image) => encoder.encode(image)));
    expect(encoder.queueDepth).toBe(18);
    const settled = await outcomes;
    expect(settled.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(20);
    expect(inner.mostAtOnce).toBe(2);
    expect(encoder.queueDepth).toBe(0);
  });

  it('sheds only what would wait past the budget, with a Retry-After of the backlog ahead of it', async () => {
    const inner = new SlowEncoder(100);
    // 100 ms an image, two at a time: an image with 2n ahead waits n x 100 ms, so 22 fit 1 s.
    const encoder = queued(inner, { waitBudgetMs: 1000 });
    const settled = await Promise.allSettled(burst(40).map((image) => encoder.encode(image)));
    const shed = settled.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(settled.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(22);
    expect(shed).toHaveLength(18);
    for (const failure of shed) {
      // 22 ahead: 11 rounds of 100 ms.
      expect(failure).toMatchObject({ code: 'encoder_unavailable', retryAfterSeconds: 2 });
    }
  });

  it('gives a longer Retry-After for a longer backlog', async () => {
    const inner = new SlowEncoder(50);
    const encoder = queued(inner, { concurrency: 1, waitBudgetMs: 0, initialEncodeMs: 1500 });
    const first = encoder.encode(fakeImage('first'));
    await expect(encoder.encode(fakeImage('second'))).rejects.toMatchObject({ retryAfterSeconds: 2 });
    await first;
  });

  it('estimates from the encodes it timed, not from its first guess', async () => {
    const inner = new SlowEncoder(100);
    const encoder = queued(inner, { concurrency: 1, initialEncodeMs: 5 });
    for (const image of burst(12)) await encoder.encode(image);
    const running = encoder.encode(fakeImage('running'));
    // One ahead, one at a time: the wait is one encode, now ~100 ms rather than the 5 ms guessed.
    expect(encoder.expectedWaitMs).toBeGreaterThan(70);
    expect(encoder.expectedWaitMs).toBeLessThan(200);
    await running;
  });

  it('does not time encodes that waited for the encoder to get ready', async () => {
    const inner = new SlowEncoder(10);
    const ready = Promise.withResolvers<void>();
    inner.ping = () => ready.promise;
    const encoder = queued(inner, { concurrency: 1, initialEncodeMs: 10 });
    // The scripted encoder answers before ready here, so hold the encode as a loading model would.
    inner.ms = 500;
    const loading = encoder.encode(fakeImage('while loading'));
    await sleep(20);
    ready.resolve();
    await loading;
    inner.ms = 10;
    const next = encoder.encode(fakeImage('next'));
    expect(encoder.expectedWaitMs).toBe(10);
    await next;
  });
});
