import type { HeadPose, RecognitionQuality } from './ImageEncodings.ts';

export interface QualityMeasures {
  readonly sharpness: number;
  readonly brightness: number;
  readonly size: number;
  /** The engine's two readings agree on the eyes; if not (a face cut by the frame, say), the alignment cannot be trusted. */
  readonly landmarksAgree: boolean;
}

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
