import { sharp } from '../imageFormats.ts';
import { forRecognition } from '../../domain/faceQuality.ts';
import type { Box, Face, FaceLandmarks, Point } from '../../domain/ImageEncodings.ts';
import { inspectImage } from '../SharpImageInspector.ts';
import { decodeForDetection } from './decodeForDetection.ts';
import { ENGINE_VERSION, FaceEngine, type FoundFace } from './engine/FaceEngine.ts';
import { headPose } from './engine/headPose.ts';
import type { Rect } from './engine/geometry.ts';

// Uploads are deduplicated before they reach the model, so libvips' operation cache only
// keeps pixels of photos never decoded again: measured, ~80 MB after each 24 MP photo.
// The setting is libvips-wide, for every thread of the process.
sharp.cache(false);

/** Image bytes in, every face found out: shared by the in-process pool and the HTTP encoder. */
export interface FaceModel {
  encode(image: Uint8Array): Promise<Face[]>;
  close(): Promise<void>;
}

export interface FaceModelOptions {
  readonly maxInputPixels: number;
  /** Whether detections YuNet is unsure of get a second look (always in the service; `npm run eval` compares). */
  readonly secondLook?: boolean;
  readonly intraOpThreads: number;
}

export async function loadFaceModel(options: FaceModelOptions): Promise<FaceModel> {
  const engine = await FaceEngine.load({
    intraOpThreads: options.intraOpThreads,
    secondLook: options.secondLook ?? true,
  });
  return {
    encode: (image) => encodeFaces(engine, image, options.maxInputPixels),
    close: () => engine.close(),
  };
}

async function encodeFaces(engine: FaceEngine, image: Uint8Array, maxInputPixels: number): Promise<Face[]> {
  const { width, height } = await inspectImage(image, maxInputPixels);
  const pixels = await decodeForDetection(image, maxInputPixels);
  const found = await engine.findFaces(pixels);
  const scale = { x: width / pixels.width, y: height / pixels.height };
  return found.map((face) => ({
    encoding: Array.from(face.descriptor),
    engine: ENGINE_VERSION,
    box: toImageBox(face.box, scale, { width, height }),
    ...faceDetail(face, scale),
  }));
}

/**
 * The face's height framed as SSD framed faces, as the quality bars were set, from the
 * descriptor's chip, which does not grow when the head tilts: the median ratio over
 * dev-set's upright faces (spread 6%).
 */
const FRAMED_PER_CHIP = 1.14;
/** A face's Laplacian spread (0-255 scale) that counts as fully sharp: crisp dev-set faces reach it. */
const FULLY_SHARP = 40;
/** How far YuNet's eyes may be from face-api's, as a share of the eye distance: dev-set's faces 0.114 (median), 0.218 (95th percentile). */
const EYES_AGREE = 0.3;

function faceDetail(face: FoundFace, scale: { x: number; y: number }): Partial<Face> {
  const pose = headPose(face.landmarks);
  const measures = {
    sharpness: round(Math.min(1, face.detail / FULLY_SHARP), 3),
    brightness: round(face.brightness, 3),
    size: Math.round(face.chip.side * FRAMED_PER_CHIP),
  };
  const landmarksAgree = face.eyeDisagreement <= EYES_AGREE;
  return {
    score: round(face.score, 3),
    landmarks: fivePoints(face.landmarks, scale),
    pose,
    quality: { ...measures, for_recognition: forRecognition({ ...measures, landmarksAgree }, pose) },
  };
}

/** Eye centres, nose tip and mouth corners from face-api's 68 points (iBUG numbering). */
function fivePoints(points: readonly Point[], scale: { x: number; y: number }): FaceLandmarks {
  const inImage = (point: Point) => ({ x: round(point.x * scale.x, 1), y: round(point.y * scale.y, 1) });
  const centre = (from: number, to: number) => {
    const eye = points.slice(from, to);
    return inImage({ x: eye.reduce((sum, p) => sum + p.x, 0) / eye.length, y: eye.reduce((sum, p) => sum + p.y, 0) / eye.length });
  };
  return {
    left_eye: centre(36, 42),
    right_eye: centre(42, 48),
    nose_tip: inImage(points[30]!),
    mouth_left: inImage(points[48]!),
    mouth_right: inImage(points[54]!),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** From the downscaled image back to the oriented original, clipped to its edges. */
function toImageBox(box: Rect, scale: { x: number; y: number }, image: { width: number; height: number }): Box {
  const left = clamp(Math.round(box.x * scale.x), 0, image.width);
  const top = clamp(Math.round(box.y * scale.y), 0, image.height);
  const right = clamp(Math.round((box.x + box.width) * scale.x), left, image.width);
  const bottom = clamp(Math.round((box.y + box.height) * scale.y), top, image.height);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
