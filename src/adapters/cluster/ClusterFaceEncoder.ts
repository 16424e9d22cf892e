import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';
import type { IpcPeer } from './IpcPeer.ts';

/** The primary's encoder, seen from an HTTP worker: one engine for all processes, so their number does not multiply its memory. */
export class ClusterFaceEncoder implements FaceEncoder {
  readonly #primary: IpcPeer;

  constructor(primary: IpcPeer) {
    this.#primary = primary;
  }

  async encode(image: Uint8Array, options: EncodeOptions = {}): Promise<Face[]> {
    const ask = { image, ...(options.owner !== undefined && { owner: options.owner }), ...(options.inspected && { inspected: options.inspected }) };
    return (await this.#primary.ask('encode', ask, options.signal)).faces;
  }

  async ping(): Promise<void> {
    await this.#primary.ask('ping', {});
  }

  /** The encoder belongs to the primary, which closes it. */
  async close(): Promise<void> {}
}
