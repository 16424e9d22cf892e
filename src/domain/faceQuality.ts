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

/** Each measure's bar for "high" and floor below which it is "low"; the engine sets them (its pipeline's thresholds). */
export interface QualityBars {
  /** Face height in pixels. */
  readonly size: Bar;
  readonly sharpness: Bar;
  readonly brightness: { readonly high: readonly [number, number]; readonly low: readonly [number, number] };
  /** Degrees away from frontal, yaw and pitch alike. */
  readonly turn: Bar;
}

interface Bar {
  readonly high: number;
  readonly low: number;
}

/** How far a match on this face can be trusted: the worst mark of its measures against `bars`. */
export function forRecognition(measures: QualityMeasures, pose: HeadPose | undefined, bars: QualityBars): RecognitionQuality {
  const marks: RecognitionQuality[] = [
    atLeast(measures.size, bars.size),
    atLeast(measures.sharpness, bars.sharpness),
    within(measures.brightness, bars.brightness),
  ];
  if (pose) marks.push(atMost(Math.max(Math.abs(pose.yaw), Math.abs(pose.pitch)), bars.turn));
  if (!measures.landmarksAgree) marks.push('low');
  if (marks.includes('low')) return 'low';
  return marks.includes('medium') ? 'medium' : 'high';
}

function atLeast(value: number, bar: Bar): RecognitionQuality {
  return value >= bar.high ? 'high' : value >= bar.low ? 'medium' : 'low';
}

function atMost(value: number, bar: Bar): RecognitionQuality {
  return value <= bar.high ? 'high' : value <= bar.low ? 'medium' : 'low';
}

function within(value: number, bar: QualityBars['brightness']): RecognitionQuality {
  if (value >= bar.high[0] && value <= bar.high[1]) return 'high';
  return value >= bar.low[0] && value <= bar.low[1] ? 'medium' : 'low';
}
