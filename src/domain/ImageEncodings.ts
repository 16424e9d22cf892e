/** One face an encoder found: its 128-number encoding and, when known, where it is. */
export interface Face {
  readonly encoding: readonly number[];
  readonly box?: Box;
}

/** Pixel rectangle in the uploaded image's own (EXIF-oriented) coordinates. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** What is kept of an uploaded image: its SHA-256 and the faces in it, never the bytes. */
export interface ImageEncodings {
  readonly sha256: string;
  readonly faces: readonly Face[];
}

export const ENCODING_LENGTH = 128;
