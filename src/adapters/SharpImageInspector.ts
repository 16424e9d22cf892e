import sharp, { type Metadata } from 'sharp';
import { Failure } from '../domain/Failure.ts';
import type { ImageInfo, ImageInspector } from '../ports/ImageInspector.ts';

const acceptedFormats: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif']);

/**
 * Reads the header only. Width and height are after EXIF orientation, the coordinates
 * face boxes are given in.
 */
export class SharpImageInspector implements ImageInspector {
  readonly #maxInputPixels: number;

  constructor(options: { maxInputPixels: number }) {
    this.#maxInputPixels = options.maxInputPixels;
  }

  inspect(image: Uint8Array): Promise<ImageInfo> {
    return inspectImage(image, this.#maxInputPixels);
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
    throw new Failure('invalid_image', 'The file is not an image that can be decoded.', { cause: error });
  }
}

/** sharp reports AVIF and HEIC alike as heif; only AVIF (AV1) is decodable by sharp's own build. */
function formatName(metadata: Metadata): string {
  if (metadata.format !== 'heif') return metadata.format;
  return metadata.compression === 'av1' ? 'avif' : 'heic';
}
