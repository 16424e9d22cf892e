import type { ImageEncodings } from '../../domain/ImageEncodings.ts';

/** Per object, as GetSummary reuses them while a session is unchanged: 2,000 numbers for 15 faces were most of a summary's cost. */
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

/** Per array: GetSummary returns the same frozen array while a session's images are unchanged. */
export function summaryJsonMemo(imageJson: (image: ImageEncodings) => Buffer): (images: readonly ImageEncodings[]) => Buffer {
  const bytes = new WeakMap<readonly ImageEncodings[], Buffer>();
  return (images) => {
    let json = bytes.get(images);
    if (json === undefined) {
      const parts: Buffer[] = [SUMMARY_START];
      images.forEach((image, i) => parts.push(...(i === 0 ? [imageJson(image)] : [COMMA, imageJson(image)])));
      parts.push(SUMMARY_END);
      json = Buffer.concat(parts);
      if (Object.isFrozen(images)) bytes.set(images, json);
    }
    return json;
  };
}
