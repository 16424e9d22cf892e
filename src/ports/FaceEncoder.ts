import type { Face } from '../domain/ImageEncodings.ts';

/**
 * Finds every face in an image and returns one 128-number encoding per face, `[]`
 * when there is none. Encoding is a pure function of the bytes, so calls may be
 * retried. Throws `Failure` with invalid_image, too_many_faces (an encoder that
 * refuses crowded images itself), encoder_unavailable, encoder_timeout or
 * encoder_bad_response.
 */
export interface FaceEncoder {
  encode(image: Uint8Array): Promise<Face[]>;
  /** Cheap check that the encoder can take work; throws when it cannot. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
