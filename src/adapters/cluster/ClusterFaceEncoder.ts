import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';
import type { IpcPeer } from './IpcPeer.ts';

/**
 * The face encoder of this instance's primary process, seen from an HTTP worker: one
 * engine (and one queue) for all the processes, so their number does not multiply the
 * engine's memory. A caller that gives up tells the primary, whose queue drops the upload.
 */
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
