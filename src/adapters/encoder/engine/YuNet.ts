import * as ort from 'onnxruntime-node';
import type { Box, Point } from '../../../domain/ImageEncodings.ts';
import { nonMaxSuppression } from './faceBoxes.ts';
import type { Pixels } from './Pixels.ts';
import { loadNetwork } from './loadNetwork.ts';

export interface YuNetFace {
  readonly score: number;
  readonly box: Box;
  /** Eye on the image's left, eye on its right, nose tip, mouth corner on the left, on the right. */
  readonly points: readonly Point[];
}

const STRIDES = [8, 16, 32] as const;
/** The `_dynamic` graph takes any height and width that are multiples of the largest stride. */
const ALIGNMENT = 32;

export class YuNet {
  readonly #photos: ort.InferenceSession;
  readonly #views: ort.InferenceSession;
  /** Non-maximum suppression drops a box overlapping a better one by more than this (IoU). */
  readonly #overlap: number;

  private constructor(photos: ort.InferenceSession, views: ort.InferenceSession, overlap: number) {
    this.#photos = photos;
    this.#views = views;
    this.#overlap = overlap;
  }

  static async load(options: ort.InferenceSession.SessionOptions, overlap: number): Promise<YuNet> {
    return new YuNet(await loadNetwork('yunet/yunet-photo.onnx', options), await loadNetwork('yunet/yunet-views.onnx', options), overlap);
  }

  async detect(image: Pixels, minScore: number, region: Box = { x: 0, y: 0, width: image.width, height: image.height }): Promise<YuNetFace[]> {
    const width = Math.ceil(region.width / ALIGNMENT) * ALIGNMENT;
    const height = Math.ceil(region.height / ALIGNMENT) * ALIGNMENT;
    const int64s = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);
    const outputs = await this.#photos.run({
      image: new ort.Tensor('uint8', image.data, [1, image.height, image.width, 3]),
      start: int64s([region.y, region.x]),
      end: int64s([region.y + region.height, region.x + region.width]),
      pads: int64s([0, 0, 0, 0, 0, height - region.height, width - region.width, 0]),
    });
    return decoded(outputs, 0, 1, width, minScore, this.#overlap).map((face) => moved(face, region));
  }

  /** `view`: uint8 RGB, square, side a multiple of 32; faces as is and turned 1-3 quarters clockwise, each in that turned view's pixels. */
  async detectQuarterTurns(view: Pixels, minScore: number): Promise<YuNetFace[][]> {
    const outputs = await this.#views.run({ view: new ort.Tensor('uint8', view.data, [1, view.height, view.width, 3]) });
    return [0, 1, 2, 3].map((turn) => decoded(outputs, turn, 4, view.width, minScore, this.#overlap));
  }

  async release(): Promise<void> {
    await Promise.all([this.#photos.release(), this.#views.release()]);
  }
}

function decoded(outputs: ort.InferenceSession.ReturnType, item: number, count: number, width: number, minScore: number, overlap: number): YuNetFace[] {
  const faces: YuNetFace[] = [];
  for (const stride of STRIDES) {
    const [cls, obj, bbox, kps] = (['cls', 'obj', 'bbox', 'kps'] as const).map((name) => {
      const all = floats(outputs, `${name}_${stride}`);
      const each = all.length / count;
      return all.subarray(item * each, (item + 1) * each);
    });
    faces.push(...decodeGrid({ cls: cls!, obj: obj!, bbox: bbox!, kps: kps! }, stride, width / stride, minScore));
  }
  return nonMaxSuppression(faces, overlap);
}

interface GridOutputs {
  readonly cls: Float32Array;
  readonly obj: Float32Array;
  readonly bbox: Float32Array;
  readonly kps: Float32Array;
}

export function decodeGrid(outputs: GridOutputs, stride: number, columns: number, minScore: number): YuNetFace[] {
  const faces: YuNetFace[] = [];
  for (let cell = 0; cell < outputs.cls.length; cell++) {
    const score = outputs.cls[cell]! * outputs.obj[cell]!;
    if (!(score >= minScore)) continue;
    const left = (cell % columns) * stride;
    const top = Math.floor(cell / columns) * stride;
    const [dx, dy, dw, dh] = outputs.bbox.subarray(cell * 4, cell * 4 + 4);
    const centreX = dx! * stride + left;
    const centreY = dy! * stride + top;
    const width = Math.exp(dw!) * stride;
    const height = Math.exp(dh!) * stride;
    const points = Array.from({ length: 5 }, (_, k) => ({
      x: outputs.kps[cell * 10 + 2 * k]! * stride + left,
      y: outputs.kps[cell * 10 + 2 * k + 1]! * stride + top,
    }));
    faces.push({ score, box: { x: centreX - width / 2, y: centreY - height / 2, width, height }, points });
  }
  return faces;
}

function moved(face: YuNetFace, by: { x: number; y: number }): YuNetFace {
  if (by.x === 0 && by.y === 0) return face;
  const { box, points } = face;
  return { score: face.score, box: { ...box, x: box.x + by.x, y: box.y + by.y }, points: points.map((p) => ({ x: p.x + by.x, y: p.y + by.y })) };
}

function floats(outputs: ort.InferenceSession.ReturnType, name: string): Float32Array {
  const tensor = outputs[name];
  if (!tensor || tensor.type !== 'float32') throw new Error(`YuNet gave no float output ${name}`);
  return tensor.data as Float32Array;
}
