import * as ort from 'onnxruntime-node';
import { faceApiNetwork, networkSides } from '../faceApiOnnx/faceApiGraphs.ts';
import { clipAtImageBorders, landmarkPoints, type Point, type Rect } from '../faceApiOnnx/faceGeometry.ts';
import { networkBytes } from '../onnx/networkCache.ts';
import { regionFeeds } from '../onnx/regionInput.ts';
import type { NetworkLoading } from './NetworkLoading.ts';

/**
 * face-api's 68-point landmark net (iBUG numbering), fed as face-api feeds it: the
 * detection box clipped to the image, padded to a centred square, resized to 112.
 */
export class LandmarkNet {
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  static async load(loading: NetworkLoading): Promise<LandmarkNet> {
    const bytes = networkBytes(faceApiNetwork('landmarks'), loading.cacheFolder, loading.onCacheFailure);
    return new LandmarkNet(await ort.InferenceSession.create(bytes, loading.sessionOptions));
  }

  /**
   * 68 points in image pixels for the face framed by `box` (which may reach past the
   * image's edges), with the box's clipped region they were read from; undefined when
   * the box holds no pixel of the image.
   */
  async read(image: ort.Tensor, size: { width: number; height: number }, box: Rect): Promise<{ points: Point[]; region: Rect } | undefined> {
    const region = clipAtImageBorders(box, size.width, size.height);
    if (region.width <= 0 || region.height <= 0) return undefined;
    const output = await this.#session.run(regionFeeds(image, region));
    const tensor = output['landmarks'];
    if (!tensor || tensor.type !== 'float32') throw new Error('the landmark net gave no float output');
    return { points: landmarkPoints(tensor.data as Float32Array, networkSides.landmarks, region, box), region };
  }

  release(): Promise<void> {
    return this.#session.release();
  }
}
