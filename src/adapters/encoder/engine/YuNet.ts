import * as ort from 'onnxruntime-node';
import type { Box, Point } from '../../../domain/ImageEncodings.ts';
import { nonMaxSuppression } from './faceBoxes.ts';
import type { Pixels } from './Pixels.ts';
import { loadNetwork } from './loadNetwork.ts';

export interface YuNetFace {
  /** cls x obj, 0-1. */
  readonly score: number;
  /** In the pixels of the image the detector was given. */
  readonly box: Box;
  /** Eye on the image's left, eye on its right, nose tip, mouth corner on the left, on the right. */
  readonly points: readonly Point[];
}

const STRIDES = [8, 16, 32] as const;
/** The `_dynamic` graph takes any height and width that are multiples of the largest stride. */
const ALIGNMENT = 32;
/** The reference's overlap for non-maximum suppression (tools/compare_inference.py, OpenCV's FaceDetectorYN). */
const NMS_OVERLAP = 0.45;

/**
 * YuNet (libfacedetection.train, Apache-2.0): one anchor-free prior per cell of three
 * grids, each with a score, a box and five points. Its contract: BGR planar float32, 0-255
 * as they are, padded at the right and bottom to multiples of 32 (the input stage
 * in models/yunet/yunet-photo.onnx turns the decoded photo into that inside the graph).
 */
export class YuNet {
  /** YuNet reading a photo through its input stage. */
  readonly #photos: ort.InferenceSession;
  /** YuNet reading a view of a face four ways (models/yunet/yunet-views.onnx). */
  readonly #views: ort.InferenceSession;

  private constructor(photos: ort.InferenceSession, views: ort.InferenceSession) {
    this.#photos = photos;
    this.#views = views;
  }

  static async load(options: ort.InferenceSession.SessionOptions): Promise<YuNet> {
    return new YuNet(await loadNetwork('yunet/yunet-photo.onnx', options), await loadNetwork('yunet/yunet-views.onnx', options));
  }

  /**
   * The faces scoring at least `minScore` in `region` of the image (all of it by
   * default), after non-maximum suppression, in the image's coordinates.
   */
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
    return decoded(outputs, 0, 1, width, minScore).map((face) => moved(face, region));
  }

  /**
   * The faces in `view` (uint8 RGB, square, its side a multiple of 32) as it is and
   * turned a quarter, a half and three quarters clockwise, each in that turned view's pixels.
   */
  async detectQuarterTurns(view: Pixels, minScore: number): Promise<YuNetFace[][]> {
    const outputs = await this.#views.run({ view: new ort.Tensor('uint8', view.data, [1, view.height, view.width, 3]) });
    return [0, 1, 2, 3].map((turn) => decoded(outputs, turn, 4, view.width, minScore));
  }

  async release(): Promise<void> {
    await Promise.all([this.#photos.release(), this.#views.release()]);
  }
}

/** The faces in image `item` of a batch of `count`, after non-maximum suppression. */
function decoded(outputs: ort.InferenceSession.ReturnType, item: number, count: number, width: number, minScore: number): YuNetFace[] {
  const faces: YuNetFace[] = [];
  for (const stride of STRIDES) {
    const [cls, obj, bbox, kps] = (['cls', 'obj', 'bbox', 'kps'] as const).map((name) => {
      const all = floats(outputs, `${name}_${stride}`);
      const each = all.length / count;
      return all.subarray(item * each, (item + 1) * each);
    });
    faces.push(...decodeGrid({ cls: cls!, obj: obj!, bbox: bbox!, kps: kps! }, stride, width / stride, minScore));
  }
  return nonMaxSuppression(faces, NMS_OVERLAP);
}

/** One stride's outputs: a row per cell of its (height / stride) x (width / stride) grid, row-major. */
interface GridOutputs {
  readonly cls: Float32Array;
  readonly obj: Float32Array;
  readonly bbox: Float32Array;
  readonly kps: Float32Array;
}

/** SOURCE.md's decode: offsets and log-sizes in units of the stride, from the cell's top-left corner. */
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
