/** Read from the bytes, never from the client's Content-Type. */
export interface ImageInfo {
  readonly format: string;
  readonly width: number;
  readonly height: number;
}

/** Reads the header only, no decode. Throws `Failure` invalid_image, unsupported_media_type or file_too_large (too many pixels). */
export interface ImageInspector {
  inspect(image: Uint8Array): Promise<ImageInfo>;
}
