import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';

/** The formats the service takes, by the MIME type their magic bytes say, with sharp's name for each. */
const accepted: ReadonlyMap<string, string> = new Map([
  ['image/jpeg', 'jpeg'],
  ['image/png', 'png'],
  ['image/webp', 'webp'],
  ['image/gif', 'gif'],
  ['image/tiff', 'tiff'],
  ['image/avif', 'avif'],
]);

export const acceptedFormatNames = 'JPEG, PNG, WebP, GIF, TIFF or AVIF';

// Every libvips loader is blocked but those of the formats above, for the whole process
// (its worker threads too): a file in any other format never reaches a parser. SVG's
// (librsvg, with its CSS cascade) took 5 s of CPU for a 650 KB file before its 415.
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({
  operation: ['VipsForeignLoadJpeg', 'VipsForeignLoadPng', 'VipsForeignLoadWebp', 'VipsForeignLoadNsgif', 'VipsForeignLoadTiff', 'VipsForeignLoadHeif'],
});

/** sharp, with only the loaders of the accepted formats: every decode of an upload goes through this. */
export { sharp };

/** What the magic bytes say a file is: an accepted format, another known type, or nothing known. */
export type Sniffed = { readonly accepted: string } | { readonly other: string } | undefined;

/**
 * The file's type from its first bytes alone (file-type's signatures, and SVG's text,
 * which has none), before any decoder sees it.
 */
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
