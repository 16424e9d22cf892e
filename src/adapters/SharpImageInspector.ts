import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import { Failure } from '../domain/Failure.ts';
import type { ImageInfo, ImageInspector } from '../ports/ImageInspector.ts';

const acceptedFormats: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif']);

export interface SharpImageInspectorOptions {
  readonly maxInputPixels: number;
  /**
   * Also decode the whole image (to a thumbnail, cheaply) so truncated or corrupt files
   * are refused here. Wanted in front of a remote encoder, where a bad file would cost
   * a network call; the built-in encoder decodes in its own thread anyway.
   */
  readonly verifyDecode: boolean;
}

/** Width and height are after EXIF orientation, the coordinates face boxes are given in. */
export class SharpImageInspector implements ImageInspector {
  readonly #options: SharpImageInspectorOptions;

  constructor(options: SharpImageInspectorOptions) {
    this.#options = options;
  }

  async inspect(image: Uint8Array): Promise<ImageInfo> {
    const info = await inspectImage(image, this.#options.maxInputPixels);
    if (this.#options.verifyDecode) await decodeThumbnail(image, this.#options.maxInputPixels);
    return info;
  }
}

async function decodeThumbnail(image: Uint8Array, maxInputPixels: number): Promise<void> {
  try {
    // Shrink-on-load makes this a fraction of a full decode; sharp fails on truncation by default.
    await sharp(image, { limitInputPixels: maxInputPixels }).resize(256, 256, { fit: 'inside' }).raw().toBuffer();
  } catch (error) {
    throw new Failure('invalid_image', 'The image is truncated or corrupt and cannot be decoded.', { cause: error });
  }
}

/** Shared with the face model, so the encoder refuses exactly what the inspector refuses. */
export async function inspectImage(image: Uint8Array, maxInputPixels: number): Promise<ImageInfo> {
  const metadata = await readMetadata(image);
  const format = formatName(metadata);
  if (!acceptedFormats.has(format)) {
    throw new Failure(
      'unsupported_media_type',
      `Images in ${format} format are not accepted; send JPEG, PNG, WebP, GIF, TIFF or AVIF.`,
    );
  }
  const { width, height } = metadata.autoOrient;
  if (width * height > maxInputPixels) {
    throw new Failure(
      'file_too_large',
      `The image has ${width * height} pixels; at most ${maxInputPixels} are accepted.`,
    );
  }
  return { format, width, height };
}

async function readMetadata(image: Uint8Array): Promise<Metadata> {
  try {
    // No pixel limit here: sharp would refuse a huge header with a generic error, and
    // reading a header costs nothing; the limit is checked above with its own code.
    return await sharp(image, { limitInputPixels: false }).metadata();
  } catch (error) {
    // sharp cannot read it: a known file type (PDF, HEIC without its codec, a video...) is
    // a format we do not take; anything unrecognisable is simply not an image.
    // file-type reads binary signatures only, so SVG (text) is recognised here.
    const known = (await fileTypeFromBuffer(image))?.mime ?? (looksLikeSvg(image) ? 'image/svg+xml' : undefined);
    if (known) {
      throw new Failure('unsupported_media_type', `Files of type ${known} are not accepted; send JPEG, PNG, WebP, GIF, TIFF or AVIF.`, { cause: error });
    }
    throw new Failure('invalid_image', 'The file is not an image that can be decoded.', { cause: error });
  }
}

/** sharp reports AVIF and HEIC alike as heif; only AVIF (AV1) is decodable by sharp's own build. */
function formatName(metadata: Metadata): string {
  if (metadata.format !== 'heif') return metadata.format;
  return metadata.compression === 'av1' ? 'avif' : 'heic';
}

function looksLikeSvg(image: Uint8Array): boolean {
  const head = Buffer.from(image.subarray(0, 2048)).toString('utf8');
  return /^\uFEFF?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(head);
}
