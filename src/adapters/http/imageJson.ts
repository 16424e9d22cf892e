import type { ImageEncodings } from '../../domain/ImageEncodings.ts';

/**
 * An image's encodings as UTF-8 JSON bytes, remembered per object. GetSummary hands out
 * the same objects while a session's images are unchanged, so each image is serialised
 * and encoded once (2,000 numbers for 15 faces were most of a summary's cost) and a
 * summary is a concatenation of ready bytes. Entries go when the objects do.
 */
export function imageJsonMemo(): (image: ImageEncodings) => Buffer {
  const bytes = new WeakMap<ImageEncodings, Buffer>();
  return (image) => {
    let json = bytes.get(image);
    if (json === undefined) {
      json = Buffer.from(JSON.stringify(image));
      bytes.set(image, json);
    }
    return json;
  };
}

const SUMMARY_START = Buffer.from('{"image_encodings":[');
const COMMA = Buffer.from(',');
const SUMMARY_END = Buffer.from(']}');

/** `{"image_encodings":[...]}` from ready image bytes. */
export function summaryJson(images: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [SUMMARY_START];
  images.forEach((image, i) => parts.push(...(i === 0 ? [image] : [COMMA, image])));
  parts.push(SUMMARY_END);
  return Buffer.concat(parts);
}
