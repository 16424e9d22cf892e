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

export function angleOf(from: Point, to: Point): number {
  return Math.atan2(to.y - from.y, to.x - from.x);
}

export function angleApart(a: number, b: number): number {
  const apart = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(apart, 2 * Math.PI - apart);
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

export interface Similarity {
  readonly scale: number;
  readonly angle: number;
  readonly shift: Point;
}

/** Least-squares similarity from `from` onto `to` (Umeyama in 2-D, as dlib and scikit-image fit faces); any angle, upside down included. */
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
