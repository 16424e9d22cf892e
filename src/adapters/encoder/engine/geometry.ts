import type { Point } from '../../../domain/ImageEncodings.ts';

// Photo coordinates (the domain's Point): x to the right, y down, pixel k's centre at k.

export function centreOf(points: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const point of points) {
    x += point.x;
    y += point.y;
  }
  return { x: x / points.length, y: y / points.length };
}

/** The angle of the line from `from` to `to`, clockwise as the photo shows it (y points down), in radians. */
export function angleOf(from: Point, to: Point): number {
  return Math.atan2(to.y - from.y, to.x - from.x);
}

/** How far apart two angles are, the short way round (radians, 0 to pi). */
export function angleApart(a: number, b: number): number {
  const apart = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(apart, 2 * Math.PI - apart);
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** A similarity transform: scaled by `scale`, turned by `angle` (clockwise), then moved by `shift`. */
export interface Similarity {
  readonly scale: number;
  readonly angle: number;
  readonly shift: Point;
}

/**
 * The similarity that maps `from` onto `to` with the least squared error (Umeyama's
 * closed form in 2-D), as dlib's find_similarity_transform and scikit-image's
 * SimilarityTransform fit faces to a template. The angle comes from all the points
 * at once, so it holds for a face at any angle, upside down included.
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  const [fromCentre, toCentre] = [centreOf(from), centreOf(to)];
  let dot = 0;
  let cross = 0;
  let spread = 0;
  from.forEach((point, i) => {
    const [fx, fy] = [point.x - fromCentre.x, point.y - fromCentre.y];
    const [tx, ty] = [to[i]!.x - toCentre.x, to[i]!.y - toCentre.y];
    dot += fx * tx + fy * ty;
    cross += fx * ty - fy * tx;
    spread += fx * fx + fy * fy;
  });
  const angle = Math.atan2(cross, dot);
  const scale = Math.hypot(dot, cross) / spread;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  return { scale, angle, shift: { x: toCentre.x - scale * (cos * fromCentre.x - sin * fromCentre.y), y: toCentre.y - scale * (sin * fromCentre.x + cos * fromCentre.y) } };
}

export function applySimilarity(transform: Similarity, point: Point): Point {
  const [cos, sin] = [Math.cos(transform.angle), Math.sin(transform.angle)];
  return { x: transform.scale * (cos * point.x - sin * point.y) + transform.shift.x, y: transform.scale * (sin * point.x + cos * point.y) + transform.shift.y };
}
