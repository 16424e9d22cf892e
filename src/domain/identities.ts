/** The image's upload position and the face's index in it. */
export interface FaceRef {
  readonly image: number;
  readonly face: number;
}

export interface Encoded {
  readonly ref: FaceRef;
  readonly encoding: readonly number[];
}

export function euclideanDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - (b[i] ?? Number.NaN)) ** 2;
  return Math.sqrt(sum);
}

/** Complete linkage, closest groups first: identities never chain through a third face, and two faces of one image never join. */
export function groupIdentities(faces: readonly Encoded[], threshold: number): FaceRef[][] {
  const distance = faces.map((a) => faces.map((b) => (a.ref.image === b.ref.image && a !== b ? Infinity : euclideanDistance(a.encoding, b.encoding))));
  let groups = faces.map((_, index) => [index]);
  for (;;) {
    let best: { a: number; b: number; distance: number } | undefined;
    for (let a = 0; a < groups.length; a++) {
      for (let b = a + 1; b < groups.length; b++) {
        const farthest = Math.max(...groups[a]!.flatMap((i) => groups[b]!.map((j) => distance[i]![j]!)));
        if (farthest < threshold && (!best || farthest < best.distance)) best = { a, b, distance: farthest };
      }
    }
    if (!best) break;
    const merged = [...groups[best.a]!, ...groups[best.b]!];
    groups = [...groups.filter((_, index) => index !== best.a && index !== best.b), merged];
  }
  // In order of first appearance, faces in upload order within each.
  const order = (i: number) => faces[i]!.ref.image * 1000 + faces[i]!.ref.face;
  return groups
    .map((group) => group.sort((i, j) => order(i) - order(j)))
    .sort((g, h) => order(g[0]!) - order(h[0]!))
    .map((group) => group.map((i) => faces[i]!.ref));
}
