import type { Box, FaceLandmarks, Point } from '../../../domain/ImageEncodings.ts';
import { centreOf } from './geometry.ts';

// From the decoded image's pixels, where the stages work, to the API's: the oriented photo's.

export interface Scale {
  readonly x: number;
  readonly y: number;
}

export function fivePoints(points: readonly Point[], scale: Scale): FaceLandmarks {
  const inImage = (point: Point) => ({ x: round(point.x * scale.x, 1), y: round(point.y * scale.y, 1) });
  return {
    left_eye: inImage(centreOf(points.slice(36, 42))),
    right_eye: inImage(centreOf(points.slice(42, 48))),
    nose_tip: inImage(points[30]!),
    mouth_left: inImage(points[48]!),
    mouth_right: inImage(points[54]!),
  };
}

export function imageBox(box: Box, scale: Scale, image: { width: number; height: number }): Box {
  const left = clamp(Math.round(box.x * scale.x), 0, image.width);
  const top = clamp(Math.round(box.y * scale.y), 0, image.height);
  const right = clamp(Math.round((box.x + box.width) * scale.x), left, image.width);
  const bottom = clamp(Math.round((box.y + box.height) * scale.y), top, image.height);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

export function eyeDisagreement(yuNetPoints: readonly Point[], landmarks: readonly Point[]): number {
  if (yuNetPoints.length < 2) return Number.NaN;
  const faceApiEyes = [centreOf(landmarks.slice(36, 42)), centreOf(landmarks.slice(42, 48))];
  const eyeDistance = Math.max(1, Math.hypot(faceApiEyes[0]!.x - faceApiEyes[1]!.x, faceApiEyes[0]!.y - faceApiEyes[1]!.y));
  const apart = faceApiEyes.map((eye, i) => Math.hypot(eye.x - yuNetPoints[i]!.x, eye.y - yuNetPoints[i]!.y));
  return (apart[0]! + apart[1]!) / 2 / eyeDistance;
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
