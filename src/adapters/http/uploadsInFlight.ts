import { Failure } from '../../domain/Failure.ts';

export interface UploadsInFlightLimits {
  /** Uploads one API key may have in flight (received, queued or encoding) at once; 0: no limit. */
  readonly perKey: number;
  /** The same for one client address, over all its keys; 0: no limit. */
  readonly perAddress: number;
  /** Bytes of upload bodies this process holds at once, counted before they arrive. */
  readonly bufferedBytes: number;
}

/** Which cap refused an upload: the first two answer 429, the last 503. */
export type UploadCap = 'uploads_per_key' | 'uploads_per_address' | 'upload_bytes';

/** How long a client refused here should wait: uploads in flight end within seconds. */
const RETRY_AFTER_SECONDS = 2;

/**
 * Caps what uploads hold while they are in flight: a place per key and per address, and
 * their bodies' bytes in this process, reserved before a byte of the body is read (its
 * Content-Length when it says, else the largest upload allowed) and held until its
 * answer is sent. One key with 40 stalled 9 MiB uploads had held ~300 MiB until it hung
 * up. Past a cap, at once: 429 rate_limited for a key or an address, 503
 * encoder_unavailable for the process, both with Retry-After.
 */
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

  /** Takes a place for an upload of at most `bytes`; the returned function gives it back, once. */
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
