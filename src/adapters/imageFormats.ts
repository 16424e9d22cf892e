import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';

const accepted: ReadonlyMap<string, string> = new Map([
  ['image/jpeg', 'jpeg'],
  ['image/png', 'png'],
  ['image/webp', 'webp'],
  ['image/gif', 'gif'],
  ['image/tiff', 'tiff'],
  ['image/avif', 'avif'],
]);

export const acceptedFormatNames = 'JPEG, PNG, WebP, GIF, TIFF or AVIF';

// Every libvips loader but the accepted formats' is blocked, process-wide: SVG's (librsvg) took 5 s of CPU for a 650 KB file.
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({
  operation: ['VipsForeignLoadJpeg', 'VipsForeignLoadPng', 'VipsForeignLoadWebp', 'VipsForeignLoadNsgif', 'VipsForeignLoadTiff', 'VipsForeignLoadHeif'],
});

/** Every decode of an upload must go through this sharp, with only the accepted formats' loaders. */
export { sharp };

export type Sniffed = { readonly accepted: string } | { readonly other: string } | undefined;

/** From the first bytes alone, before any decoder; SVG is text, with no signature file-type knows. */
export async function sniffFormat(image: Uint8Array): Promise<Sniffed> {
  const mime = (await fileTypeFromBuffer(image))?.mime;
  if (mime !== undefined) {
    const format = accepted.get(mime);
    return format !== undefined ? { accepted: format } : { other: mime };
  }
  return looksLikeSvg(image) ? { other: 'image/svg+xml' } : undefined;
}

function looksLikeSvg(image: Uint8Array): boolean {
  const head = Buffer.from(image.subarray(0, 2048)).toString('utf8');
  return /^\uFEFF?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(head);
}
