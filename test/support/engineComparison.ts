import type { Face } from '../../src/domain/ImageEncodings.ts';

export interface EngineDifference {
  readonly referenceFaces: number;
  readonly faces: number;
  /** Reference faces with no face within a pixel of their box: the other engine dropped them. */
  readonly dropped: number;
  /** Largest difference of any box side, in pixels, over faces paired by position. */
  readonly maxBoxPixels: number;
  /** Largest Euclidean distance between paired encodings. */
  readonly maxEncodingDistance: number;
}

/**
 * Pairs each reference face with the face whose box is nearest (detection order can
 * swap between engines when two scores almost tie) and measures the worst pair. With
 * `allowDropped`, a reference face with no box within a pixel counts as dropped rather
 * than paired: for an engine meant to drop some faces (false ones) and keep the rest.
 */
export function compareFaces(reference: readonly Face[], faces: readonly Face[], allowDropped = false): EngineDifference {
  let maxBoxPixels = 0;
  let maxEncodingDistance = 0;
  let dropped = 0;
  const unpaired = [...faces];
  for (const expected of reference) {
    unpaired.sort((a, b) => boxPixels(expected, a) - boxPixels(expected, b));
    if (unpaired.length === 0 || (allowDropped && boxPixels(expected, unpaired[0]!) > 1)) {
      dropped += 1;
      continue;
    }
    const paired = unpaired.shift()!;
    maxBoxPixels = Math.max(maxBoxPixels, boxPixels(expected, paired));
    maxEncodingDistance = Math.max(maxEncodingDistance, euclidean(expected.encoding, paired.encoding));
  }
  return { referenceFaces: reference.length, faces: faces.length, dropped, maxBoxPixels, maxEncodingDistance };
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
