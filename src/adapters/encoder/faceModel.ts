import sharp from 'sharp';
import { Failure } from '../../domain/Failure.ts';
import type { Box, Face } from '../../domain/ImageEncodings.ts';
import { inspectImage } from '../SharpImageInspector.ts';
import { FaceApiOnnxEngine, type Pixels } from './faceApiOnnx/FaceApiOnnxEngine.ts';
import type { Rect } from './faceApiOnnx/faceGeometry.ts';

/**
 * Below face-api's 0.5: a real group selfie's sixth face scores 0.37, while photos with
 * no face (landscape, baboon, a 24 MP street scene) never score above 0.17.
 */
const MIN_CONFIDENCE = 0.3;
/** Far above any plausible count: the domain decides what is too many. */
const MAX_RESULTS = 100;
/**
 * The detector sees every image at 512x512 anyway, so this only sets the resolution
 * faces are cropped at for landmarks and descriptors: 1280 keeps descriptors of small
 * faces close to those of the full-size image, while capping decode work.
 */
const MAX_SIDE = 1280;

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
  /** Where the networks converted to ONNX are kept between starts. */
  readonly modelCacheFolder: string;
  readonly intraOpThreads: number;
  readonly onCacheFailure: (error: unknown) => void;
}

export async function loadFaceModel(options: FaceModelOptions): Promise<FaceModel> {
  const engine = await FaceApiOnnxEngine.load({
    cacheFolder: options.modelCacheFolder,
    intraOpThreads: options.intraOpThreads,
    minConfidence: MIN_CONFIDENCE,
    maxResults: MAX_RESULTS,
    onCacheFailure: options.onCacheFailure,
  });
  return {
    encode: (image) => encodeFaces(engine, image, options.maxInputPixels),
    close: () => engine.close(),
  };
}

async function encodeFaces(engine: FaceApiOnnxEngine, image: Uint8Array, maxInputPixels: number): Promise<Face[]> {
  const { width, height } = await inspectImage(image, maxInputPixels);
  const pixels = await decodeForDetection(image, maxInputPixels);
  const found = await engine.findFaces(pixels);
  const scale = { x: width / pixels.width, y: height / pixels.height };
  return found.map((face) => ({
    encoding: Array.from(face.descriptor),
    box: toImageBox(face.box, scale, { width, height }),
  }));
}

/** 8-bit sRGB, upright, no alpha, at most MAX_SIDE: what the networks were trained on. */
async function decodeForDetection(image: Uint8Array, maxInputPixels: number): Promise<Pixels> {
  try {
    const { data, info } = await sharp(image, { limitInputPixels: maxInputPixels })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    // sharp's message names libvips internals; the cause keeps it for logs only.
    throw new Failure('invalid_image', 'The image could not be decoded.', { cause: error });
  }
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
