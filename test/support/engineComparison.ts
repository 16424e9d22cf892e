import type { Face } from '../../src/domain/ImageEncodings.ts';

export interface EngineDifference {
  readonly referenceFaces: number;
  readonly faces: number;
  /** Largest difference of any box side, in pixels, over faces paired by position. */
  readonly maxBoxPixels: number;
  /** Largest Euclidean distance between paired encodings. */
  readonly maxEncodingDistance: number;
}

/**
 * Pairs each reference face with the face whose box is nearest (detection order can
 * swap between engines when two scores almost tie) and measures the worst pair.
 */
export function compareFaces(reference: readonly Face[], faces: readonly Face[]): EngineDifference {
  let maxBoxPixels = 0;
  let maxEncodingDistance = 0;
  const unpaired = [...faces];
  for (const expected of reference) {
    unpaired.sort((a, b) => boxPixels(expected, a) - boxPixels(expected, b));
    const paired = unpaired.shift();
    if (!paired) break;
    maxBoxPixels = Math.max(maxBoxPixels, boxPixels(expected, paired));
    maxEncodingDistance = Math.max(maxEncodingDistance, euclidean(expected.encoding, paired.encoding));
  }
  return { referenceFaces: reference.length, faces: faces.length, maxBoxPixels, maxEncodingDistance };
}

function boxPixels(a: Face, b: Face): number {
  if (!a.box || !b.box) return Infinity;
  return Math.max(
    Math.abs(a.box.x - b.box.x),
    Math.abs(a.box.y - b.box.y),
    Math.abs(a.box.width - b.box.width),
    Math.abs(a.box.height - b.box.height),
  );
}

export function euclidean(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(...a.map((value, index) => value - (b[index] ?? Number.NaN)));
}
