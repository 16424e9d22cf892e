import * as ort from 'onnxruntime-node';
import { faceApiNetwork } from '../faceApiOnnx/faceApiGraphs.ts';
import { alignedFaceRect, clipAtImageBorders, type Point, type Rect } from '../faceApiOnnx/faceGeometry.ts';
import { imageStatisticsNetwork } from '../onnx/imageStatistics.ts';
import { networkBytes } from '../onnx/networkCache.ts';
import { regionFeeds } from '../onnx/regionInput.ts';
import type { NetworkLoading } from './NetworkLoading.ts';

export interface Description {
  /** face-api's 128 numbers. */
  readonly descriptor: Float32Array;
  /** Of the aligned face the descriptor saw: mean luma 0-1, and its Laplacian's spread (0-255 scale). */
  readonly brightness: number;
  readonly detail: number;
}

/**
 * face-api's descriptor net on the square face-api aligns from the 68 points (eyes and
 * mouth), padded to a centred square and resized to 150; and the image statistics of
 * that same square, for the quality verdict.
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

  /** `region` is the clipped box the landmarks were read from (face-api caps the square with it). */
  async describe(image: ort.Tensor, size: { width: number; height: number }, landmarks: readonly Point[], region: Rect): Promise<Description | undefined> {
    const aligned = clipAtImageBorders(alignedFaceRect(landmarks, region), size.width, size.height);
    if (aligned.width <= 0 || aligned.height <= 0) return undefined;
    const feeds = regionFeeds(image, aligned);
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
