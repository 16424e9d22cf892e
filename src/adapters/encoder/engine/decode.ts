import { Failure } from '../../../domain/Failure.ts';
import { sharp } from '../../imageFormats.ts';
import type { Pixels } from './Pixels.ts';

// Uploads are deduplicated before they reach the engine, so libvips' operation cache only
// keeps pixels of photos never decoded again: measured, ~80 MB after each 24 MP photo.
// The setting is libvips-wide, for every thread of the process.
sharp.cache(false);

/** 8-bit sRGB, upright, no alpha, at most `longSide` a side: what the networks were trained on. */
export async function decode(image: Uint8Array, maxInputPixels: number, longSide: number): Promise<Pixels> {
  try {
    const { data, info } = await sharp(image, { limitInputPixels: maxInputPixels })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    // sharp's message names libvips internals; the cause keeps it for logs only.
    throw new Failure('invalid_image', 'The image could not be decoded.', { cause: error });
  }
}
