import * as ort from 'onnxruntime-node';
import { chipFeeds, chipInput } from '../onnx/chipInput.ts';
import { OnnxGraph } from '../onnx/OnnxGraph.ts';
import type { Chip } from './Chip.ts';
import type { Pixels } from './Pixels.ts';

/** Cuts a chip from the photo as upright pixels, uint8 RGB side x side, for YuNet to look at again. */
export class ViewCutter {
  readonly #session: ort.InferenceSession;
  readonly side: number;

  private constructor(session: ort.InferenceSession, side: number) {
    this.#session = session;
    this.side = side;
  }

  static async load(side: number, options: ort.InferenceSession.SessionOptions): Promise<ViewCutter> {
    const graph = new OnnxGraph();
    // Whole levels, as a decoded photo has.
    const levels = graph.node('Round', [graph.node('Clip', [chipInput(graph, side, (x) => x), graph.scalar(0), graph.scalar(255)])]);
    const pixels = graph.node('Transpose', [graph.node('Cast', [levels], { to: 2 })], { perm: [0, 2, 3, 1] });
    graph.output('pixels', pixels, [1, side, side, 3], 'uint8');
    return new ViewCutter(await ort.InferenceSession.create(graph.encode('view_cutter'), options), side);
  }

  /** Undefined when the chip holds no pixel of the photo. */
  async cut(image: ort.Tensor, chip: Chip): Promise<Pixels | undefined> {
    const feeds = chipFeeds(image, [chip]);
    if (!feeds) return undefined;
    const tensor = (await this.#session.run(feeds))['pixels'];
    if (!tensor || tensor.type !== 'uint8') throw new Error('the view cutter gave no pixels');
    return { data: tensor.data as Uint8Array, width: this.side, height: this.side };
  }

  release(): Promise<void> {
    return this.#session.release();
  }
}
