import type { Face } from '../domain/ImageEncodings.ts';
import type { ImageInfo } from './ImageInspector.ts';

export interface EncodeOptions {
  /**
   * Aborted when nobody waits for the answer any more (the client hung up). An encode
   * still queued is dropped and the call rejects with the signal's reason; one already
   * running is cancelled where that is safe (a remote call), or finishes (the built-in
   * engine, which cannot be stopped mid-run).
   */
  readonly signal?: AbortSignal;
  /** Whose upload this is (the session's key hash): one owner's uploads must not hold back another's. */
  readonly owner?: string;
  /** What the image inspector read of the header, so no encoder reads it again. */
  readonly inspected?: ImageInfo;
}

/**
 * Finds every face in an image and returns one 128-number encoding per face, `[]`
 * when there is none. Encoding is a pure function of the bytes, so calls may be
 * retried. Throws `Failure` with invalid_image, too_many_faces (an encoder that
 * refuses crowded images itself), encoder_unavailable, encoder_timeout or
 * encoder_bad_response.
 */
export interface FaceEncoder {
  encode(image: Uint8Array, options?: EncodeOptions): Promise<Face[]>;
  /** Cheap check that the encoder can take work; throws when it cannot. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
