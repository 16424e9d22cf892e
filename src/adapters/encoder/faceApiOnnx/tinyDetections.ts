import type { Detection } from './ssdDetections.ts';

export interface TinyDetectorOptions {
  /** The side the image is resized to: a multiple of 32; the network's grid has inputSize / 32 cells a side. */
  readonly inputSize: number;
  /** Boxes scoring this or less are dropped before suppression (face-api's default is 0.5). */
  readonly scoreThreshold: number;
}

/** face-api's TinyFaceDetector anchors (tinyFaceDetector/const.ts), in grid cells. */
const anchors = [
  { width: 1.603231, height: 2.094468 },
  { width: 6.041143, height: 7.080126 },
  { width: 2.882459, height: 3.518061 },
  { width: 4.266906, height: 5.178857 },
  { width: 9.041765, height: 10.66308 },
];
/** Each anchor's numbers per cell: x, y, width, height, objectness (one class: no class scores). */
const encodingSize = 5;
/** face-api's overlap above which the tiny detector drops the lower-scoring box (0.5 for SSD). */
const IOU_THRESHOLD = 0.4;

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A box relative to the image, as face-api's BoundingBox holds it, and its score. */
interface Candidate extends Box {
  readonly score: number;
}

/**
 * TinyFaceDetector.locateFaces after the network: TinyYolov2Base.extractBoxes, its
 * non-max suppression and the rescaling to image pixels, step for step, so boxes and
 * scores equal face-api's. `grid` is the network's raw output, [1, 25, cells, cells]
 * (channel = anchor * 5 + number); the image was padded to a square at its bottom or
 * right (not centred), which the division by the reshaped side undoes.
 */
export function tinyDetections(
  grid: Float32Array,
  image: { readonly width: number; readonly height: number },
  options: TinyDetectorOptions,
): Detection[] {
  const { inputSize, scoreThreshold } = options;
  if (!Number.isInteger(inputSize) || inputSize <= 0 || inputSize % 32 !== 0) throw new Error(`inputSize ${inputSize} is not a positive multiple of 32`);
  if (!(scoreThreshold > 0 && scoreThreshold < 1)) throw new Error(`scoreThreshold ${scoreThreshold} is not between 0 and 1`);
  const cells = inputSize / 32;
  if (grid.length !== anchors.length * encodingSize * cells * cells) {
    throw new Error(`a grid of ${grid.length} numbers does not fit inputSize ${inputSize}`);
  }
  const candidates = decode(grid, cells, reshapedDimensions(image, inputSize), scoreThreshold);
  const kept = nonMaxSuppression(candidates.map((candidate) => rescale(candidate, inputSize, inputSize)), candidates.map((candidate) => candidate.score));
  const { width, height } = image;
  return kept.map((index) => {
    const candidate = candidates[index]!;
    // face-api scales to the image, back to relative (times 1 / side) and to the image
    // again (ObjectDetection, then FaceDetection): kept, as it moves the last bits.
    const relative = rescale(rescale(candidate, width, height), 1 / width, 1 / height);
    return { score: candidate.score, box: rescale(relative, width, height) };
  });
}

/** computeReshapedDimensions: the image's size once its longer side is inputSize. */
function reshapedDimensions(image: { readonly width: number; readonly height: number }, inputSize: number) {
  const scale = inputSize / Math.max(image.height, image.width);
  return { width: Math.round(image.width * scale), height: Math.round(image.height * scale) };
}

/** extractBoxes, row by row, column by column, anchor by anchor: the order ties are broken in. */
function decode(grid: Float32Array, cells: number, reshaped: { width: number; height: number }, scoreThreshold: number): Candidate[] {
  const side = Math.max(reshaped.width, reshaped.height);
  const correctionX = side / reshaped.width;
  const correctionY = side / reshaped.height;
  const plane = cells * cells;
  const candidates: Candidate[] = [];
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (const [anchor, { width: anchorWidth, height: anchorHeight }] of anchors.entries()) {
        const at = (number: number) => grid[(anchor * encodingSize + number) * plane + row * cells + col]!;
        const score = sigmoid(at(4));
        if (score <= scoreThreshold) continue;
        const centreX = ((col + sigmoid(at(0))) / cells) * correctionX;
        const centreY = ((row + sigmoid(at(1))) / cells) * correctionY;
        const width = ((Math.exp(at(2)) * anchorWidth) / cells) * correctionX;
        const height = ((Math.exp(at(3)) * anchorHeight) / cells) * correctionY;
        const x = centreX - width / 2;
        const y = centreY - height / 2;
        // new BoundingBox(x, y, x + width, y + height) keeps right - left, not width.
        candidates.push({ score, x, y, width: x + width - x, height: y + height - y });
      }
    }
  }
  return candidates;
}

/**
 * face-api's ops/nonMaxSuppression: sort ascending (stable), take the last, drop every
 * box overlapping it by more than IOU_THRESHOLD, repeat. Indices of the kept boxes, best first.
 */
function nonMaxSuppression(boxes: readonly Box[], scores: readonly number[]): number[] {
  let remaining = scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => a.score - b.score)
    .map((entry) => entry.index);
  const kept: number[] = [];
  while (remaining.length > 0) {
    const best = remaining.pop()!;
    kept.push(best);
    remaining = remaining.filter((index) => intersectionOverUnion(boxes[best]!, boxes[index]!) <= IOU_THRESHOLD);
  }
  return kept;
}

function intersectionOverUnion(a: Box, b: Box): number {
  const width = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const height = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const intersection = width * height;
  return intersection / (a.width * a.height + b.width * b.height - intersection);
}

/** Box.rescale. */
function rescale(box: Box, scaleX: number, scaleY: number): Box {
  return { x: box.x * scaleX, y: box.y * scaleY, width: box.width * scaleX, height: box.height * scaleY };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
