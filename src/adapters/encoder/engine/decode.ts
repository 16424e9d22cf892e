import { Failure } from '../../../domain/Failure.ts';
import { sharp } from '../../imageFormats.ts';
import type { Pixels } from './Pixels.ts';

// Uploads are deduplicated upstream, so libvips' cache only kept pixels never decoded again (~80 MB after each 24 MP photo). Process-wide.
sharp.cache(false);

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
