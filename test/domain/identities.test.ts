import { describe, expect, it } from 'vitest';
import { groupIdentities, type Encoded } from '../../src/domain/identities.ts';
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
  const verify = (images: ImageEncodings[]) =>
    new VerifySession({ summary: { execute: async () => images }, threshold: 0.6 }).execute({ key: 'key' });

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
    expect(result.distances).toContainEqual({ a: { image: 0, face: 0 }, b: { image: 1, face: 0 }, distance: 0.2 });
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
});
