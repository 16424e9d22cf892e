/**
 * face-api's box and landmark arithmetic (src/classes/Box.ts, FaceLandmarks.ts,
 * ops/padToSquare.ts, faceLandmarkNet/FaceLandmark68NetBase.ts), reproduced step for
 * step, quirks included, so encodings equal the ones face-api gave.
 */

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Box.clipAtImageBorders: clip to the image, then floor every side. */
export function clipAtImageBorders(box: Rect, imageWidth: number, imageHeight: number): Rect {
  const x = Math.max(box.x, 0);
  const y = Math.max(box.y, 0);
  const width = Math.min(box.x + box.width - x, imageWidth - x);
  const height = Math.min(box.y + box.height - y, imageHeight - y);
  return { x: Math.floor(x), y: Math.floor(y), width: Math.floor(width), height: Math.floor(height) };
}

/**
 * padToSquare (centred) as ONNX Pad's `pads` for an NHWC region: zeros split around the
 * shorter side, the larger half after, as face-api rounds.
 */
export function squarePads(width: number, height: number): number[] {
  const difference = Math.abs(height - width);
  const after = Math.round(difference * 0.5);
  const before = difference - after;
  return height > width ? [0, 0, before, 0, 0, 0, after, 0] : [0, before, 0, 0, 0, after, 0, 0];
}

/**
 * The landmark net's 136 outputs to 68 points in image pixels: undo the centred
 * padding of the square input, scale to the region, then shift by the detection box
 * (not the floored region it was cut from: face-api's shift, kept as it is).
 */
export function landmarkPoints(output: Float32Array, inputSide: number, region: Rect, shift: Point): Point[] {
  const scale = inputSide / Math.max(region.width, region.height);
  const scaledWidth = region.width * scale;
  const scaledHeight = region.height * scale;
  const padX = scaledWidth < scaledHeight ? Math.abs(scaledWidth - scaledHeight) / 2 : 0;
  const padY = scaledHeight < scaledWidth ? Math.abs(scaledWidth - scaledHeight) / 2 : 0;
  const points: Point[] = [];
  for (let i = 0; i < 68; i++) {
    const relativeX = (output[2 * i]! * inputSide - padX) / scaledWidth;
    const relativeY = (output[2 * i + 1]! * inputSide - padY) / scaledHeight;
    points.push({ x: relativeX * region.width + shift.x, y: relativeY * region.height + shift.y });
  }
  return points;
}

/**
 * FaceLandmarks.alignDlib: the square the descriptor is computed on, from the eye and
 * mouth centres. `region` is the crop the landmarks came from: face-api caps the side
 * with its size plus the offset, a no-op in practice, kept for equality.
 */
export function alignedFaceRect(points: readonly Point[], region: Rect): Rect {
  const leftEye = centre(points.slice(36, 42));
  const rightEye = centre(points.slice(42, 48));
  const mouth = centre(points.slice(48, 68));
  const toMouth = (point: Point) => Math.hypot(mouth.x - point.x, mouth.y - point.y);
  const size = Math.floor((toMouth(leftEye) + toMouth(rightEye)) / 2 / 0.45);
  const reference = centre([leftEye, rightEye, mouth]);
  const x = Math.floor(Math.max(0, reference.x - 0.5 * size));
  const y = Math.floor(Math.max(0, reference.y - 0.43 * size));
  return { x, y, width: Math.min(size, region.width + x), height: Math.min(size, region.height + y) };
}

/** getCenterPoint: a running sum from the origin, then divided. */
function centre(points: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const point of points) {
    x += point.x;
    y += point.y;
  }
  return { x: x / points.length, y: y / points.length };
}
