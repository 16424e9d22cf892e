import { sharp } from '../imageFormats.ts';
import { Failure } from '../../domain/Failure.ts';
import type { Pixels } from './engine/Pixels.ts';

/**
 * The one resolution every stage reads: YuNet at a long side of 640 and in tiles of this
 * (detectFaces.ts), the landmark and descriptor nets in crops of it. 1280 lets libvips
 * shrink a large JPEG while decoding it (1/4 for 24 MP) and keeps the tiles' pass to four.
 */
const MAX_SIDE = 1280;

/** 8-bit sRGB, upright, no alpha, at most MAX_SIDE: what the networks were trained on. */
export async function decodeForDetection(image: Uint8Array, maxInputPixels: number): Promise<Pixels> {
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
