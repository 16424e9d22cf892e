import * as ort from 'onnxruntime-node';
import { chipFeeds } from './chipFeeds.ts';
import { loadNetwork } from './loadNetwork.ts';
import { chipToPhoto, type Chip } from './Chip.ts';
import type { Point } from '../../../domain/ImageEncodings.ts';

export class LandmarkNet {
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  static async load(options: ort.InferenceSession.SessionOptions): Promise<LandmarkNet> {
    return new LandmarkNet(await loadNetwork('face-api/landmarks.onnx', options));
  }

  /** 68 points in the photo's pixels for the face in `chip`; undefined when the chip holds no pixel of the photo. */
  async read(image: ort.Tensor, chip: Chip): Promise<Point[] | undefined> {
    const feeds = chipFeeds(image, [chip]);
    if (!feeds) return undefined;
    const tensor = (await this.#session.run(feeds))['landmarks'];
    if (!tensor || tensor.type !== 'float32') throw new Error('the landmark net gave no float output');
    const output = tensor.data as Float32Array;
    return Array.from({ length: 68 }, (_, i) => chipToPhoto(chip, output[2 * i]!, output[2 * i + 1]!));
  }

  release(): Promise<void> {
    return this.#session.release();
  }
}
