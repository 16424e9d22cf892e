/** What an upload is, read from its bytes (never from the client's Content-Type). */
export interface ImageInfo {
  readonly format: string;
  readonly width: number;
  readonly height: number;
}

/**
 * Reads an image's header without decoding it, so bad uploads are refused before any
 * encoder is called. Throws `Failure` with invalid_image, unsupported_media_type or
 * file_too_large (too many pixels).
 */
export interface ImageInspector {
  inspect(image: Uint8Array): Promise<ImageInfo>;
}
