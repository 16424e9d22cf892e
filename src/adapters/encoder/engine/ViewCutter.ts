import type * as ort from 'onnxruntime-node';
import type { Chip } from './Chip.ts';
import { chipFeeds } from './chipFeeds.ts';
import { loadNetwork } from './loadNetwork.ts';
import type { Pixels } from './Pixels.ts';

/** The side YuNet's second looks are read at (faces 48 px): ~1.8 ms a face for all four turns; at 160, ~6 ms. */
export const VIEW_SIDE = 96;

export class ViewCutter {
  readonly #session: ort.InferenceSession;
  readonly side = VIEW_SIDE;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  static async load(options: ort.InferenceSession.SessionOptions): Promise<ViewCutter> {
    return new ViewCutter(await loadNetwork('view-cutter.onnx', options));
  }

  /** Undefined when the chip holds no pixel of the photo. */
  async cut(image: ort.Tensor, chip: Chip): Promise<Pixels | undefined> {
    const feeds = chipFeeds(image, [chip]);
    if (!feeds) return undefined;
    const tensor = (await this.#session.run(feeds))['pixels'];
    if (!tensor || tensor.type !== 'uint8') throw new Error('the view cutter gave no pixels');
    return { data: tensor.data as Uint8Array, width: VIEW_SIDE, height: VIEW_SIDE };
  }

  release(): Promise<void> {
    return this.#session.release();
  }
}
