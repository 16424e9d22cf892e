import * as ort from 'onnxruntime-node';
import { faceApiNetwork } from '../faceApiOnnx/faceApiGraphs.ts';
import { networkBytes } from '../onnx/networkCache.ts';
import { chipFeeds } from '../onnx/chipInput.ts';
import type { Chip } from './Chip.ts';
import type { NetworkLoading } from './NetworkLoading.ts';

export interface Description {
  /** face-api's 128 numbers. */
  readonly descriptor: Float32Array;
  /** Of the chip the descriptor read: mean luma 0-1, and its Laplacian's spread (0-255 scale). */
  readonly brightness: number;
  readonly detail: number;
}

/**
 * face-api's descriptor net on a face's chip, read upright at 150 px, and in the same
 * run the image statistics of that chip, for the quality verdict.
 */
export class DescriptorNet {
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  static async load(loading: NetworkLoading): Promise<DescriptorNet> {
    const bytes = networkBytes(faceApiNetwork('descriptor'), loading.cacheFolder, loading.onCacheFailure);
    return new DescriptorNet(await ort.InferenceSession.create(bytes, loading.sessionOptions));
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
