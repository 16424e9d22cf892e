import { describe, expect, it } from 'vitest';
import { groupIdentities, type Encoded } from '../../src/domain/identities.ts';
import type { MatchRates } from '../../src/domain/matchRates.ts';
import { VerifySession } from '../../src/domain/useCases/VerifySession.ts';
import type { Face, ImageEncodings } from '../../src/domain/ImageEncodings.ts';

/** A 128-number encoding at `x` along the first axis, so distances are plain differences. */
const at = (x: number, y = 0): number[] => [x, y, ...new Array<number>(126).fill(0)];
const face = (image: number, index: number, encoding: number[]): Encoded => ({ ref: { image, face: index }, encoding });

describe('groupIdentities', () => {
  it('puts faces nearer than the threshold into one identity, and others apart', () => {
    const groups = groupIdentities([face(0, 0, at(0)), face(1, 0, at(0.3)), face(2, 0, at(2))], 0.6);
    expect(groups).toEqual([[{ image: 0, face: 0 }, { image: 1, face: 0 }], [{ image: 2, face: 0 }]]);
  });

  it('never chains: A near B and B near C, but A far from C, is not one identity', () => {
    // 0 - 0.5 - 1.0: each neighbour within 0.6, the ends 1.0 apart.
    const groups = groupIdentities([face(0, 0, at(0)), face(1, 0, at(0.5)), face(2, 0, at(1))], 0.6);
    expect(groups).toHaveLength(2);
    const together = groups.find((group) => group.length === 2)!;
    expect(together.map((ref) => ref.image)).not.toEqual([0, 2]);
  });

  it('joins the closest pair first, so the middle face goes with its nearer neighbour', () => {
    const groups = groupIdentities([face(0, 0, at(0)), face(1, 0, at(0.5)), face(2, 0, at(0.9))], 0.6);
    expect(groups).toEqual([[{ image: 0, face: 0 }], [{ image: 1, face: 0 }, { image: 2, face: 0 }]]);
  });

  it('never makes two faces of one photo one person, however alike', () => {
    const groups = groupIdentities([face(0, 0, at(0)), face(0, 1, at(0.1))], 0.6);
    expect(groups).toHaveLength(2);
  });

  it('does not join at exactly the threshold', () => {
    expect(groupIdentities([face(0, 0, at(0)), face(1, 0, at(0.6))], 0.6)).toHaveLength(2);
  });
});

describe('VerifySession', () => {
  const high = { sharpness: 1, brightness: 0.5, size: 150, for_recognition: 'high' } as const;
  const low = { ...high, for_recognition: 'low' } as const;
  const image = (...faces: Face[]): ImageEncodings => ({ sha256: 'x', faces });
  const verify = (images: ImageEncodings[], falseMatchRate?: number) =>
    new VerifySession({ summary: { execute: async () => images }, threshold: 0.6, rates }).execute({ key: 'key', ...(falseMatchRate !== undefined && { falseMatchRate }) });

  it('answers null below two images', async () => {
    expect((await verify([])).same_person).toBeNull();
    expect((await verify([image({ encoding: at(0) })])).same_person).toBeNull();
  });

  it('answers true when one identity has a face in every image, and lists every pair of faces', async () => {
    const result = await verify([image({ encoding: at(0) }, { encoding: at(5) }), image({ encoding: at(0.2) }), image({ encoding: at(0.1), quality: high })]);
    expect(result.same_person).toBe(true);
    expect(result.identities).toEqual([
      { faces: [{ image: 0, face: 0 }, { image: 1, face: 0 }, { image: 2, face: 0 }] },
      { faces: [{ image: 0, face: 1 }] },
    ]);
    expect(result.distances).toHaveLength(6);
    expect(result.distances).toContainEqual({ a: { image: 0, face: 0 }, b: { image: 1, face: 0 }, distance: 0.2, false_match_rate: null });
  });

  it('answers false when no identity reaches every image', async () => {
    expect((await verify([image({ encoding: at(0) }), image({ encoding: at(3) })])).same_person).toBe(false);
  });

  it('leaves low-quality faces out of identities, says so, and cannot tell when an image has no other face', async () => {
    const result = await verify([image({ encoding: at(0), quality: high }), image({ encoding: at(0.1), quality: low })]);
    expect(result.excluded).toEqual([{ image: 1, face: 0, reason: 'low_quality' }]);
    expect(result.identities).toEqual([{ faces: [{ image: 0, face: 0 }] }]);
    expect(result.distances).toHaveLength(1);
    expect(result.same_person).toBeNull();
  });

  it('still decides when every image keeps a face good enough to compare', async () => {
    const result = await verify([image({ encoding: at(0), quality: high }, { encoding: at(0.05), quality: low }), image({ encoding: at(4), quality: high })]);
    expect(result.same_person).toBe(false);
  });

  describe('with the measured rates', () => {
    const measured = (encoding: number[]): Face => ({ encoding, engine: rates.engine });

    it('gives each distance the share of impostor pairs at least that near, read at the next step up', async () => {
      const result = await verify([image(measured(at(0))), image(measured(at(0.55)))]);
      // 0.55 reads as 0.6: 40 of 10,000 impostor pairs.
      expect(result.distances[0]!.false_match_rate).toMatchObject({ rate: 0.004, impostor_pairs: 10_000 });
      expect(result.distances[0]!.false_match_rate!.upper_bound).toBeGreaterThan(0.004);
      expect(result.rates).toMatchObject({ engine: rates.engine, false_match_rate: { rate: 0.004 }, false_non_match_rate: { rate: 0.1, genuine_pairs: 100 } });
    });

    it('has no rate for faces of another engine', async () => {
      const result = await verify([image(measured(at(0))), image({ encoding: at(0.3), engine: 'another' })]);
      expect(result.distances[0]!.false_match_rate).toBeNull();
      expect(result.rates).toBeNull();
    });

    it('chooses the loosest threshold whose measured rate, upper bound included, stays within the one asked for', async () => {
      const faces = [image(measured(at(0))), image(measured(at(0.45)))];
      // Up to 0.4 no impostor pair is that near: its upper bound is 3/10,000 at most; 0.5 has 5 of 10,000.
      expect((await verify(faces, 0.0005)).threshold).toBe(0.4);
      expect((await verify(faces, 0.0005)).same_person).toBe(false);
      expect((await verify(faces, 0.002)).threshold).toBe(0.5);
      expect((await verify(faces, 0.002)).same_person).toBe(true);
    });

    it('refuses a rate smaller than the measurements can vouch for, saying the smallest, and a rate that is no rate', async () => {
      await expect(verify([], 0.0001)).rejects.toMatchObject({ code: 'false_match_rate_unsupported', message: expect.stringContaining('0.0003') });
      for (const bad of [0, 1, -0.1, Number.NaN]) await expect(verify([], bad)).rejects.toMatchObject({ code: 'invalid_parameter' });
    });
  });
});

/** Measured rates in steps of 0.1: 10,000 impostor pairs, none nearer than 0.5; 100 genuine pairs. */
const rates: MatchRates = {
  engine: 'measured-engine',
  sets: ['test'],
  step: 0.1,
  impostorPairs: 10_000,
  impostorsAtMost: [0, 0, 0, 0, 0, 5, 40, 300, 2000, 6000, 9000, 10_000],
  genuinePairs: 100,
  genuineAtMost: [0, 2, 10, 30, 60, 80, 90, 95, 99, 100, 100, 100],
};

