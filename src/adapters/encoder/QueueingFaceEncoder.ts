import { Failure } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';
import type { ImageInspector } from '../../ports/ImageInspector.ts';
import { type CostGuess, EncodeCost } from './EncodeCost.ts';

export interface QueueingOptions {
  readonly concurrency: number;
  readonly waitBudgetMs: number;
  readonly initialCost: CostGuess;
  readonly inspector: ImageInspector;
  readonly onShed?: () => void;
  readonly onAbandoned?: () => void;
}

interface Task {
  readonly owner: string;
  readonly costMs: number;
  startedAt: number;
  readonly start: () => void;
}

/** Admission by expected work in pixels, owners taking turns (docs/adr/0005-admission-to-the-encoder.md). Past the wait budget it throws
 * encoder_unavailable at once, retryAfterSeconds being that wait; a caller whose signal aborts leaves the queue. */
export class QueueingFaceEncoder implements FaceEncoder {
  readonly #inner: FaceEncoder;
  readonly #options: QueueingOptions;
  readonly #cost: EncodeCost;
  /** Most slots one owner may hold: one stays for the others. */
  readonly #ownerCap: number;
  /** Waiting tasks per owner; the map's order is the order owners take turns in. */
  readonly #waiting = new Map<string, Task[]>();
  readonly #running = new Set<Task>();
  #anonymous = 0;
  #readyAt = Infinity;

  constructor(inner: FaceEncoder, options: QueueingOptions) {
    this.#inner = inner;
    this.#options = options;
    this.#cost = new EncodeCost(options.initialCost);
    this.#ownerCap = Math.max(1, options.concurrency - 1);
    // Encodes that waited for the model to load say nothing about encode time: not timed.
    inner.ping().then(
      () => (this.#readyAt = performance.now()),
      () => undefined,
    );
  }

  get queueDepth(): number {
    let depth = 0;
    for (const tasks of this.#waiting.values()) depth += tasks.length;
    return depth;
  }

  get expectedWaitMs(): number {
    return this.#waitMs(undefined);
  }

  async encode(image: Uint8Array, options: EncodeOptions = {}): Promise<Face[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    const inspected = options.inspected ?? (await this.#options.inspector.inspect(image));
    const { width, height } = inspected;
    const pixels = width * height;
    const owner = options.owner ?? `anonymous ${this.#anonymous++}`;
    const waitMs = this.#waitMs(owner);
    if (waitMs > this.#options.waitBudgetMs) {
      this.#options.onShed?.();
      throw new Failure('encoder_unavailable', 'The face encoder is busy; try again after the time in Retry-After.', {
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      });
    }
    const task = await this.#turn(owner, this.#cost.predictMs(pixels), signal);
    try {
      return await this.#inner.encode(image, { ...options, inspected });
    } finally {
      if (task.startedAt >= this.#readyAt) this.#cost.learn(pixels, performance.now() - task.startedAt);
      this.#running.delete(task);
      this.#dispatch();
    }
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #turn(owner: string, costMs: number, signal: AbortSignal | undefined): Promise<Task> {
    signal?.throwIfAborted();
    const { promise, resolve, reject } = Promise.withResolvers<Task>();
    const task: Task = { owner, costMs, startedAt: 0, start: () => resolve(task) };
    const queue = this.#waiting.get(owner) ?? [];
    queue.push(task);
    this.#waiting.set(owner, queue);
    const leave = () => {
      if (!queue.includes(task)) return; // already running: it finishes (see LocalFaceEncoder)
      queue.splice(queue.indexOf(task), 1);
      if (queue.length === 0) this.#waiting.delete(owner);
      this.#options.onAbandoned?.();
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', leave, { once: true });
    this.#dispatch();
    try {
      return await promise;
    } finally {
      signal?.removeEventListener('abort', leave);
    }
  }

  #dispatch(): void {
    while (this.#running.size < this.#options.concurrency) {
      let chosen: string | undefined;
      let fewest = this.#ownerCap;
      for (const owner of this.#waiting.keys()) {
        const running = this.#runningOf(owner);
        if (running < fewest) [chosen, fewest] = [owner, running];
      }
      if (chosen === undefined) return;
      const queue = this.#waiting.get(chosen)!;
      const task = queue.shift()!;
      this.#waiting.delete(chosen);
      if (queue.length > 0) this.#waiting.set(chosen, queue);
      task.startedAt = performance.now();
      this.#running.add(task);
      task.start();
    }
  }

  #waitMs(owner: string | undefined): number {
    const mine = (owner !== undefined && this.#waiting.get(owner)) || [];
    const myRunning = owner === undefined ? 0 : this.#runningOf(owner);
    if (mine.length === 0 && myRunning < this.#ownerCap && this.#running.size < this.#options.concurrency) return 0;
    const now = performance.now();
    let running = 0;
    let myRunningWork = 0;
    for (const task of this.#running) {
      const remaining = Math.max(0, task.costMs - (now - task.startedAt));
      running += remaining;
      if (task.owner === owner) myRunningWork += remaining;
    }
    let othersAhead = 0;
    for (const [other, tasks] of this.#waiting) {
      if (other !== owner) othersAhead += sum(tasks.slice(0, mine.length + 1));
    }
    const myQueue = sum(mine);
    // Bounded both by the slots all owners share and by the slots one owner may hold.
    return Math.max((running + othersAhead + myQueue) / this.#options.concurrency, (myRunningWork + myQueue) / this.#ownerCap);
  }

  #runningOf(owner: string): number {
    let count = 0;
    for (const task of this.#running) if (task.owner === owner) count += 1;
    return count;
  }
}

function sum(tasks: readonly Task[]): number {
  return tasks.reduce((total, task) => total + task.costMs, 0);
}
