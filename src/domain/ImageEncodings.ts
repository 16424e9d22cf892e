/**
 * One face an encoder found: its 128-number encoding and, when the encoder can tell
 * (the built-in one can; the seed's remote one cannot), where it is and how good it is.
 */
export interface Face {
  readonly encoding: readonly number[];
  /**
   * The engine that made the encoding: encodings of different engines live in different
   * spaces and are not to be compared. Absent when the encoder does not say (a remote
   * encoder other than this service's) and on faces stored before engines were named.
   */
  readonly engine?: string;
  readonly box?: Box;
  /** How sure the detector is that this is a face, 0-1. */
  readonly score?: number;
  readonly landmarks?: FaceLandmarks;
  readonly pose?: HeadPose;
  readonly quality?: FaceQuality;
}

/** Pixel rectangle in the uploaded image's own (EXIF-oriented) coordinates. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Five points in image pixels; left and right are as the image shows them with the face upright, not the person's own. */
export interface FaceLandmarks {
  readonly left_eye: Point;
  readonly right_eye: Point;
  readonly nose_tip: Point;
  readonly mouth_left: Point;
  readonly mouth_right: Point;
}

/** Head rotation in degrees; 0, 0, 0 faces the camera upright. */
export interface HeadPose {
  /** Turned to the image's right is positive. */
  readonly yaw: number;
  /** Chin up is positive. */
  readonly pitch: number;
  /** Tilted clockwise in the image is positive. */
  readonly roll: number;
}

export type RecognitionQuality = 'high' | 'medium' | 'low';

export interface FaceQuality {
  /** Detail in the face, 0-1: the spread of its Laplacian, scaled so a crisp face nears 1. */
  readonly sharpness: number;
  /** Mean brightness of the face, 0 (black) to 1 (white). */
  readonly brightness: number;
  /** The face's height in pixels, at the resolution the encoder read the photo. */
  readonly size: number;
  readonly for_recognition: RecognitionQuality;
}

/** What is kept of an uploaded image: its SHA-256 and the faces in it, never the bytes. */
export interface ImageEncodings {
  readonly sha256: string;
  readonly faces: readonly Face[];
}

export const ENCODING_LENGTH = 128;
