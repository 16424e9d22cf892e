import type { Rect } from '../faceApiOnnx/faceGeometry.ts';

/**
 * Whether two boxes are one face seen twice: they overlap by 30% of their union, or
 * either holds the other's centre. Detectors propose several boxes per face (shifted,
 * cut, oversized), and neighbours in a crowd never hold each other's centre.
 */
export function sameRegion(a: Rect, b: Rect): boolean {
  return intersectionOverUnion(a, b) >= 0.3 || holdsCentre(a, b) || holdsCentre(b, a);
}

export function intersectionOverUnion(a: Rect, b: Rect): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (width <= 0 || height <= 0) return 0;
  const overlap = width * height;
  return overlap / (a.width * a.height + b.width * b.height - overlap);
}

export function holdsCentre(outer: Rect, inner: Rect): boolean {
  const x = inner.x + inner.width / 2;
  const y = inner.y + inner.height / 2;
  return x >= outer.x && x <= outer.x + outer.width && y >= outer.y && y <= outer.y + outer.height;
}
