import * as ort from 'onnxruntime-node';
import { chipFeeds } from './chipFeeds.ts';
import { loadNetwork } from './loadNetwork.ts';
import type { Chip } from './Chip.ts';

export interface Description {
  readonly descriptor: Float32Array;
  /** Of the chip the descriptor read: mean luma 0-1, and its Laplacian's spread (0-255 scale). */
  readonly brightness: number;
  readonly detail: number;
}

export class DescriptorNet {
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  static async load(options: ort.InferenceSession.SessionOptions): Promise<DescriptorNet> {
    return new DescriptorNet(await loadNetwork('face-api/descriptor.onnx', options));
  }

  /** Undefined when the chip holds no pixel of the photo. */
  async describe(image: ort.Tensor, chip: Chip): Promise<Description | undefined> {
    const feeds = chipFeeds(image, [chip]);
    if (!feeds) return undefined;
    const outputs = await this.#session.run(feeds);
    return { descriptor: floats(outputs, 'descriptor'), brightness: floats(outputs, 'brightness')[0]!, detail: floats(outputs, 'detail')[0]! };
  }

  release(): Promise<void> {
    return this.#session.release();
  }
}

function floats(results: ort.InferenceSession.ReturnType, name: string): Float32Array {
  const tensor = results[name];
  if (!tensor || tensor.type !== 'float32') throw new Error(`the network gave no float output ${name}`);
  return tensor.data as Float32Array;
}
