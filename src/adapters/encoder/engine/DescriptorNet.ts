import * as ort from 'onnxruntime-node';
import { faceApiNetwork } from '../faceApiOnnx/faceApiGraphs.ts';
import { imageStatisticsNetwork } from '../onnx/imageStatistics.ts';
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
 * face-api's descriptor net on a face's chip, read upright at 150 px, and the image
 * statistics of that same chip, for the quality verdict.
 */
export class DescriptorNet {
  readonly #descriptor: ort.InferenceSession;
  readonly #statistics: ort.InferenceSession;

  private constructor(descriptor: ort.InferenceSession, statistics: ort.InferenceSession) {
    this.#descriptor = descriptor;
    this.#statistics = statistics;
  }

  static async load(loading: NetworkLoading): Promise<DescriptorNet> {
    const create = (source: Parameters<typeof networkBytes>[0]) =>
      ort.InferenceSession.create(networkBytes(source, loading.cacheFolder, loading.onCacheFailure), loading.sessionOptions);
    return new DescriptorNet(await create(faceApiNetwork('descriptor')), await create(imageStatisticsNetwork));
  }

  /** Undefined when the chip holds no pixel of the photo. */
  async describe(image: ort.Tensor, chip: Chip): Promise<Description | undefined> {
    const feeds = chipFeeds(image, [chip]);
    if (!feeds) return undefined;
    const descriptor = floats(await this.#descriptor.run(feeds), 'descriptor');
    const statistics = await this.#statistics.run(feeds);
    return { descriptor, brightness: floats(statistics, 'brightness')[0]!, detail: floats(statistics, 'detail')[0]! };
  }

  async release(): Promise<void> {
    await Promise.all([this.#descriptor.release(), this.#statistics.release()]);
  }
}

function floats(results: ort.InferenceSession.ReturnType, name: string): Float32Array {
  const tensor = results[name];
  if (!tensor || tensor.type !== 'float32') throw new Error(`the network gave no float output ${name}`);
  return tensor.data as Float32Array;
}
