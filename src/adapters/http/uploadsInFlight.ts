import { Failure } from '../../domain/Failure.ts';

export interface UploadsInFlightLimits {
  /** Uploads received, queued or encoding at once; 0: no limit. */
  readonly perKey: number;
  /** Over all the address's keys; 0: no limit. */
  readonly perAddress: number;
  readonly bufferedBytes: number;
}

/** The first two answer 429, the last 503. */
export type UploadCap = 'uploads_per_key' | 'uploads_per_address' | 'upload_bytes';

/** Uploads in flight end within seconds. */
const RETRY_AFTER_SECONDS = 2;

/** Reserved before the body is read, held until the answer: one key's 40 stalled 9 MiB uploads had held ~300 MiB. */
export class UploadsInFlight {
  readonly #limits: UploadsInFlightLimits;
  readonly #refused: (cap: UploadCap) => void;
  readonly #byKey = new Map<string, number>();
  readonly #byAddress = new Map<string, number>();
  #bytes = 0;

  constructor(limits: UploadsInFlightLimits, refused: (cap: UploadCap) => void = () => undefined) {
    this.#limits = limits;
    this.#refused = refused;
  }

  get inFlight(): number {
    let count = 0;
    for (const held of this.#byKey.values()) count += held;
    return count;
  }

  get bytesHeld(): number {
    return this.#bytes;
  }

  /** The returned function gives the place back, once. */
  enter(keyHash: string, address: string, bytes: number): () => void {
    const { perKey, perAddress, bufferedBytes } = this.#limits;
    if (perKey > 0 && (this.#byKey.get(keyHash) ?? 0) >= perKey) {
      this.#refused('uploads_per_key');
      throw new Failure('rate_limited', `At most ${perKey} uploads per session at once; send the next when one is answered.`, { retryAfterSeconds: RETRY_AFTER_SECONDS });
    }
    if (perAddress > 0 && (this.#byAddress.get(address) ?? 0) >= perAddress) {
      this.#refused('uploads_per_address');
      throw new Failure('rate_limited', `At most ${perAddress} uploads per client at once; send the next when one is answered.`, { retryAfterSeconds: RETRY_AFTER_SECONDS });
    }
    if (this.#bytes + bytes > bufferedBytes) {
      this.#refused('upload_bytes');
      throw new Failure('encoder_unavailable', 'The service is taking in as many uploads as it can hold; try again shortly.', { retryAfterSeconds: RETRY_AFTER_SECONDS });
    }
    change(this.#byKey, keyHash, 1);
    change(this.#byAddress, address, 1);
    this.#bytes += bytes;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      change(this.#byKey, keyHash, -1);
      change(this.#byAddress, address, -1);
      this.#bytes -= bytes;
    };
  }
}

function change(counts: Map<string, number>, name: string, by: number): void {
  const count = (counts.get(name) ?? 0) + by;
  if (count === 0) counts.delete(name);
  else counts.set(name, count);
}
