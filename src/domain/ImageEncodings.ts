/** Box, score, landmarks, pose and quality only when the encoder can tell (the built-in one can, the seed's remote one cannot). */
export interface Face {
  readonly encoding: readonly number[];
  /** Encodings of different engines are not comparable. Absent from other remote encoders and on faces stored before engines were named. */
  readonly engine?: string;
  readonly box?: Box;
  /** Detector confidence, 0-1. */
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

/** Degrees; 0, 0, 0 faces the camera upright. Positive: yaw to the image's right, pitch chin up, roll clockwise in the image. */
export interface HeadPose {
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
}

export type RecognitionQuality = 'high' | 'medium' | 'low';

export interface FaceQuality {
  /** Detail in the face, 0-1: the spread of its Laplacian, scaled so a crisp face nears 1. */
  readonly sharpness: number;
  /** Mean, 0 (black) to 1 (white). */
  readonly brightness: number;
  /** Face height in pixels, at the resolution the encoder read the photo. */
  readonly size: number;
  readonly for_recognition: RecognitionQuality;
}

/** What is kept of an upload: never its bytes. */
export interface ImageEncodings {
  readonly sha256: string;
  readonly faces: readonly Face[];
}

export const ENCODING_LENGTH = 128;
