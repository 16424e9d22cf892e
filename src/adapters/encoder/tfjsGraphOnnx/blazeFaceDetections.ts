import type { PixelBox } from './meshCrop.ts';

/** Per anchor: a score logit, box centre offset x, y and size w, h, then 6 keypoints' x, y. */
const VALUES_PER_ANCHOR = 17;
const KEYPOINTS = 6;

export interface FaceDetection {
  /** sigmoid of the network's logit. */
  readonly score: number;
  /** In image pixels; may reach past the image's edges. human enlarges it with meshCropBox. */
  readonly box: PixelBox;
  /** Eyes, nose, mouth, ears as [x, y] in image pixels, as human's blazeface.ts places them. */
  readonly keypoints: readonly (readonly [number, number])[];
}

export interface DetectionOptions {
  /** human's face.detector settings: maxDetected 1, iouThreshold 0.1, minConfidence 0.2 by default. */
  readonly maxDetected: number;
  readonly iouThreshold: number;
  readonly minConfidence: number;
}

/**
 * human's anchor centres (facemeshutil.ts generateAnchors), [x, y] in input pixels:
 * one 48 x 48 grid for the 192 detector, else grids of stride side/16 and side/8 with
 * 2 and 6 anchors a cell.
 */
export function blazeFaceAnchors(inputSide: number): Float64Array {
  const spec = inputSide === 192 ? { strides: [4], anchors: [1] } : { strides: [inputSide / 16, inputSide / 8], anchors: [2, 6] };
  const centres: number[] = [];
  spec.strides.forEach((stride, level) => {
    const cells = Math.floor((inputSide + stride - 1) / stride);
    for (let row = 0; row < cells; row++)
      for (let column = 0; column < cells; column++)
        for (let n = 0; n < spec.anchors[level]!; n++) centres.push(stride * (column + 0.5), stride * (row + 0.5));
  });
  return Float64Array.from(centres);
}

/**
 * human's blazeface.ts getBoxes after the network, for an image the detector saw whole
 * (stretched to its square input, human's default): boxes from the anchors, the
 * sigmoid of the logits, TensorFlow's non-max suppression, then boxes and keypoints
 * scaled from the input square to the image's `width` x `height`.
 */
export function blazeFaceDetections(
  detections: Float32Array,
  inputSide: number,
  image: { readonly width: number; readonly height: number },
  options: DetectionOptions,
): FaceDetection[] {
  const anchors = blazeFaceAnchors(inputSide);
  const count = anchors.length / 2;
  if (detections.length !== count * VALUES_PER_ANCHOR) throw new Error(`expected ${count} anchors of ${VALUES_PER_ANCHOR} values, got ${detections.length} values`);
  const boxes = new Float64Array(count * 4);
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const row = i * VALUES_PER_ANCHOR;
    const centreX = detections[row + 1]! + anchors[i * 2]!;
    const centreY = detections[row + 2]! + anchors[i * 2 + 1]!;
    const halfWidth = detections[row + 3]! / 2;
    const halfHeight = detections[row + 4]! / 2;
    boxes.set([centreX - halfWidth, centreY - halfHeight, centreX + halfWidth, centreY + halfHeight], i * 4);
    scores[i] = 1 / (1 + Math.exp(-detections[row]!));
  }
  const scaleX = image.width / inputSide;
  const scaleY = image.height / inputSide;
  return nonMaxSuppression(boxes, scores, options).map((index) => ({
    score: scores[index]!,
    box: {
      left: boxes[index * 4]! * scaleX,
      top: boxes[index * 4 + 1]! * scaleY,
      right: boxes[index * 4 + 2]! * scaleX,
      bottom: boxes[index * 4 + 3]! * scaleY,
    },
    keypoints: Array.from({ length: KEYPOINTS }, (_, k) => {
      const at = index * VALUES_PER_ANCHOR + 5 + k * 2;
      return [(detections[at]! + anchors[index * 2]!) * scaleX, (detections[at + 1]! + anchors[index * 2 + 1]!) * scaleY] as const;
    }),
  }));
}

/**
 * tf.image.nonMaxSuppression: scores above the threshold, best first (the lower index
 * on a tie), each kept unless it overlaps a kept box by `iouThreshold` or more.
 */
export function nonMaxSuppression(boxes: Float64Array, scores: Float64Array, options: DetectionOptions): number[] {
  const candidates = Array.from(scores.keys())
    .filter((index) => scores[index]! > options.minConfidence)
    .sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: number[] = [];
  for (const candidate of candidates) {
    if (kept.length >= options.maxDetected) break;
    if (kept.every((other) => intersectionOverUnion(boxes, candidate, other) < options.iouThreshold)) kept.push(candidate);
  }
  return kept;
}

function intersectionOverUnion(boxes: Float64Array, i: number, j: number): number {
  const a = corners(boxes, i);
  const b = corners(boxes, j);
  const areaA = (a.x1 - a.x0) * (a.y1 - a.y0);
  const areaB = (b.x1 - b.x0) * (b.y1 - b.y0);
  if (areaA <= 0 || areaB <= 0) return 0;
  const overlap = Math.max(Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0), 0) * Math.max(Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0), 0);
  return overlap / (areaA + areaB - overlap);
}

function corners(boxes: Float64Array, index: number) {
  const [x0, y0, x1, y1] = [boxes[index * 4]!, boxes[index * 4 + 1]!, boxes[index * 4 + 2]!, boxes[index * 4 + 3]!];
  return { x0: Math.min(x0, x1), y0: Math.min(y0, y1), x1: Math.max(x0, x1), y1: Math.max(y0, y1) };
}
