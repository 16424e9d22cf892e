import type { Metadata } from 'sharp';
import { Failure } from '../domain/Failure.ts';
import type { ImageInfo, ImageInspector } from '../ports/ImageInspector.ts';
import { acceptedFormatNames, sharp, sniffFormat } from './imageFormats.ts';

/** Format from the magic bytes, size from the header: never decodes pixels. Width and height are after EXIF orientation, as face boxes are. */
export class SharpImageInspector implements ImageInspector {
  readonly #maxInputPixels: number;

  constructor(options: { readonly maxInputPixels: number }) {
    this.#maxInputPixels = options.maxInputPixels;
  }

  inspect(image: Uint8Array): Promise<ImageInfo> {
    return inspectImage(image, this.#maxInputPixels);
  }
}

/** Shared with the face model, so the encoder refuses exactly what the inspector refuses. */
export async function inspectImage(image: Uint8Array, maxInputPixels: number): Promise<ImageInfo> {
  const sniffed = await sniffFormat(image);
  if (sniffed === undefined) throw new Failure('invalid_image', 'The file is not an image that can be decoded.');
  if ('other' in sniffed) {
    throw new Failure('unsupported_media_type', `Files of type ${sniffed.other} are not accepted; send ${acceptedFormatNames}.`);
  }
  const metadata = await readMetadata(image);
  const format = formatName(metadata);
  // The header must be what the magic bytes said: a HEIC is not decoded as an AVIF.
  if (format !== sniffed.accepted) {
    throw new Failure('unsupported_media_type', `Images in ${format} format are not accepted; send ${acceptedFormatNames}.`);
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
    // No pixel limit here: sharp would refuse a huge header with a generic error; it is checked above with its own code.
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
