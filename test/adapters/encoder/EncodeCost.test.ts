import { describe, expect, it } from 'vitest';
import { EncodeCost } from '../../../src/adapters/encoder/EncodeCost.ts';

const megapixels = (n: number) => n * 1e6;

describe('EncodeCost', () => {
  it('answers its first guess until an encode is timed', () => {
    const cost = new EncodeCost({ fixedMs: 100, msPerMegapixel: 15 });
    expect(cost.predictMs(megapixels(0))).toBe(100);
    expect(cost.predictMs(megapixels(50))).toBe(850);
  });

  it('learns both terms from encodes of different sizes', () => {
    const cost = new EncodeCost({ fixedMs: 100, msPerMegapixel: 15 });
    // The engine as timed: 60 ms plus 6 ms a megapixel, small photos mostly, a large one now and then.
    for (let round = 0; round < 10; round++) {
      for (const size of [0.2, 0.3, 0.25, 24, 0.2, 50]) cost.learn(megapixels(size), 60 + 6 * size);
    }
    expect(cost.predictMs(megapixels(0.25))).toBeCloseTo(61.5, 0);
    expect(cost.predictMs(megapixels(50))).toBeCloseTo(360, -1);
  });

  it('keeps its guess of the cost of pixels while every photo timed is the same size, and follows their time', () => {
    const cost = new EncodeCost({ fixedMs: 100, msPerMegapixel: 15 });
    for (let i = 0; i < 30; i++) cost.learn(megapixels(0.3), 200);
    expect(cost.predictMs(megapixels(0.3))).toBeCloseTo(200, 0);
    expect(cost.predictMs(megapixels(10.3)) - cost.predictMs(megapixels(0.3))).toBeCloseTo(150, 0);
  });

  it('follows a change of load within a few encodes', () => {
    const cost = new EncodeCost({ fixedMs: 100, msPerMegapixel: 0 });
    for (let i = 0; i < 20; i++) cost.learn(megapixels(0.2), 80);
    for (let i = 0; i < 10; i++) cost.learn(megapixels(0.2), 300);
    expect(cost.predictMs(megapixels(0.2))).toBeGreaterThan(270);
  });
});
