import type { Rect } from './faceGeometry.ts';

export interface Detection {
  readonly score: number;
  /** In the decoded image's pixels; may reach past its edges, as face-api's boxes do. */
  readonly box: Rect;
}

/** face-api's fixed overlap above which the lower-scoring box is dropped. */
const IOU_THRESHOLD = 0.5;

/**
 * SsdMobilenetv1.locateFaces after the network: non-max suppression, then boxes from
 * the padded 512 square back to the image. `boxes` holds [ymin, xmin, ymax, xmax] per
 * anchor, relative to the square.
 */
export function ssdDetections(
  boxes: Float32Array,
  scores: Float32Array,
  image: { readonly width: number; readonly height: number },
  options: { readonly minConfidence: number; readonly maxResults: number; readonly inputSide: number },
): Detection[] {
  const { width, height } = image;
  const scale = options.inputSide / Math.max(width, height);
  const padX = options.inputSide / Math.round(width * scale);
  const padY = options.inputSide / Math.round(height * scale);
  return nonMaxSuppression(boxes, scores, options.maxResults, options.minConfidence).map((index) => {
    const top = Math.max(0, boxes[index * 4]!) * padY;
    const bottom = Math.min(1, boxes[index * 4 + 2]!) * padY;
    const left = Math.max(0, boxes[index * 4 + 1]!) * padX;
    const right = Math.min(1, boxes[index * 4 + 3]!) * padX;
    return {
      score: scores[index]!,
      box: { x: left * width, y: top * height, width: (right - left) * width, height: (bottom - top) * height },
    };
  });
}

/** face-api's greedy NMS (ssdMobilenetv1/nonMaxSuppression.ts): indices of the kept boxes, best first. */
export function nonMaxSuppression(boxes: Float32Array, scores: Float32Array, maxResults: number, minScore: number): number[] {
  const candidates = Array.from(scores, (score, index) => ({ score, index }))
    .filter((candidate) => candidate.score > minScore)
    .sort((a, b) => b.score - a.score);
  const kept: number[] = [];
  for (const candidate of candidates) {
    if (kept.length >= Math.min(maxResults, scores.length)) break;
    if (kept.every((other) => intersectionOverUnion(boxes, candidate.index, other) <= IOU_THRESHOLD)) kept.push(candidate.index);
  }
  return kept;
}

function intersectionOverUnion(boxes: Float32Array, i: number, j: number): number {
  const a = corners(boxes, i);
  const b = corners(boxes, j);
  const areaA = (a.yMax - a.yMin) * (a.xMax - a.xMin);
  const areaB = (b.yMax - b.yMin) * (b.xMax - b.xMin);
  if (areaA <= 0 || areaB <= 0) return 0;
  const overlap = Math.max(Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin), 0) * Math.max(Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin), 0);
  return overlap / (areaA + areaB - overlap);
}

function corners(boxes: Float32Array, index: number) {
  const [y0, x0, y1, x1] = [boxes[index * 4]!, boxes[index * 4 + 1]!, boxes[index * 4 + 2]!, boxes[index * 4 + 3]!];
  return { yMin: Math.min(y0, y1), xMin: Math.min(x0, x1), yMax: Math.max(y0, y1), xMax: Math.max(x0, x1) };
}
