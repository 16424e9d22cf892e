import { describe, expect, it } from 'vitest';
import { thresholds } from '../../src/adapters/encoder/engine/FaceEngine.ts';
import { forRecognition as withBars, type QualityMeasures } from '../../src/domain/faceQuality.ts';
import type { HeadPose } from '../../src/domain/ImageEncodings.ts';

// The rule, with the bars the engine sets.
const qualityBars = thresholds.quality.bars;
const forRecognition = (measures: QualityMeasures, pose: HeadPose | undefined) => withBars(measures, pose, qualityBars);

const good = { sharpness: 0.8, brightness: 0.5, size: 150, landmarksAgree: true };
const frontal = { yaw: 3, pitch: -2, roll: 10 };

describe('forRecognition', () => {
  it('rates a large, sharp, well-lit, frontal face high', () => {
    expect(forRecognition(good, frontal)).toBe('high');
  });

  it('gives a face the worst mark of its measures', () => {
    expect(forRecognition({ ...good, size: 60 }, frontal)).toBe('medium');
    expect(forRecognition({ ...good, size: 60, sharpness: 0.1 }, frontal)).toBe('low');
    expect(forRecognition(good, { ...frontal, yaw: -30 })).toBe('medium');
    expect(forRecognition(good, { ...frontal, pitch: 50 })).toBe('low');
  });

  it('marks too dark and too bright faces alike', () => {
    expect(forRecognition({ ...good, brightness: 0.2 }, frontal)).toBe('medium');
    expect(forRecognition({ ...good, brightness: 0.05 }, frontal)).toBe('low');
    expect(forRecognition({ ...good, brightness: 0.97 }, frontal)).toBe('low');
  });

  it('puts each bar itself on the better side', () => {
    const atBars = { sharpness: qualityBars.sharpness.high, brightness: qualityBars.brightness.high[0], size: qualityBars.size.high, landmarksAgree: true };
    expect(forRecognition(atBars, { yaw: qualityBars.turn.high, pitch: 0, roll: 0 })).toBe('high');
  });

  it('rates a face low when the engine read its eyes in two places', () => {
    expect(forRecognition({ ...good, landmarksAgree: false }, frontal)).toBe('low');
  });

  it('judges without a pose when the engine gave none', () => {
    expect(forRecognition(good, undefined)).toBe('high');
  });
});
