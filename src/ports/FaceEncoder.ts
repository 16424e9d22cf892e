import type { Face } from '../domain/ImageEncodings.ts';
import type { ImageInfo } from './ImageInspector.ts';

export interface EncodeOptions {
  /** Client gone: a queued encode is dropped (rejects with the signal's reason); a running one is cancelled if remote, else finishes. */
  readonly signal?: AbortSignal;
  /** The session's key hash: one owner's uploads must not hold back another's. */
  readonly owner?: string;
  /** The header as the inspector read it, so no encoder reads it again. */
  readonly inspected?: ImageInfo;
}

/** One 128-number encoding per face, `[]` for none; pure in the bytes, so retryable. Throws `Failure` invalid_image, too_many_faces, encoder_unavailable, encoder_timeout or encoder_bad_response. */
export interface FaceEncoder {
  encode(image: Uint8Array, options?: EncodeOptions): Promise<Face[]>;
  /** Throws when the encoder cannot take work. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
