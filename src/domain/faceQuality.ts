import type { HeadPose, RecognitionQuality } from './ImageEncodings.ts';

export interface QualityMeasures {
  readonly sharpness: number;
  readonly brightness: number;
  /** Face height in pixels as the encoder read it. */
  readonly size: number;
  /**
   * Whether the engine's two readings of the face agree on where its eyes are. When
   * they do not (a face cut by the frame, say), the alignment the encoding depends on
   * cannot be trusted.
   */
  readonly landmarksAgree: boolean;
}

/**
 * How far a match on this face can be trusted. Each measure is judged against a bar for
 * "high" and a floor below which it is "low"; the face gets its worst mark. The bars
 * were set on the development set's faces (see docs/face-engine.md, "Pose and quality").
 */
export const qualityBars = {
  /** Pixels: the descriptor reads faces at 150; below 40 it reads mostly upscaling. */
  size: { high: 80, low: 40 },
  /** The development set's sharpest third of faces passed 0.6; the blurriest TV stills fell to 0.36. */
  sharpness: { high: 0.4, low: 0.15 },
  brightness: { high: [0.25, 0.8], low: [0.12, 0.92] },
  /** Degrees away from frontal, yaw and pitch alike: face-api's descriptor was trained on mostly frontal faces. */
  turn: { high: 25, low: 45 },
} as const;

export function forRecognition(measures: QualityMeasures, pose: HeadPose | undefined): RecognitionQuality {
  const marks: RecognitionQuality[] = [
    atLeast(measures.size, qualityBars.size),
    atLeast(measures.sharpness, qualityBars.sharpness),
    within(measures.brightness, qualityBars.brightness),
  ];
  if (pose) marks.push(atMost(Math.max(Math.abs(pose.yaw), Math.abs(pose.pitch)), qualityBars.turn));
  if (!measures.landmarksAgree) marks.push('low');
  if (marks.includes('low')) return 'low';
  return marks.includes('medium') ? 'medium' : 'high';
}

function atLeast(value: number, bar: { readonly high: number; readonly low: number }): RecognitionQuality {
  return value >= bar.high ? 'high' : value >= bar.low ? 'medium' : 'low';
}

function atMost(value: number, bar: { readonly high: number; readonly low: number }): RecognitionQuality {
  return value <= bar.high ? 'high' : value <= bar.low ? 'medium' : 'low';
}

function within(value: number, bar: { readonly high: readonly [number, number]; readonly low: readonly [number, number] }): RecognitionQuality {
  if (value >= bar.high[0] && value <= bar.high[1]) return 'high';
  return value >= bar.low[0] && value <= bar.low[1] ? 'medium' : 'low';
}
