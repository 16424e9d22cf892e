import { euclideanDistance, groupIdentities, type FaceRef } from '../identities.ts';
import type { ImageEncodings } from '../ImageEncodings.ts';

export interface Verification {
  readonly threshold: number;
  /** null below two images, or when an image has no face good enough to compare. */
  readonly same_person: boolean | null;
  readonly identities: readonly { readonly faces: readonly FaceRef[] }[];
  /** Every pair of faces, excluded ones too. */
  readonly distances: readonly { readonly a: FaceRef; readonly b: FaceRef; readonly distance: number }[];
  /** Faces left out of identities and of the verdict, and why. */
  readonly excluded: readonly (FaceRef & { readonly reason: 'low_quality' })[];
}

export interface VerifySessionDeps {
  /** The session's images, in upload order (GetSummary: storage through the cache, no re-encoding). */
  readonly summary: { execute(input: { key: string | undefined }): Promise<readonly ImageEncodings[]> };
  /** Faces nearer than this are the same person. */
  readonly threshold: number;
}

/**
 * Is it one person across the session? Faces the encoder rated low for recognition
 * (tiny, blurred, dark, turned away, misread) would make any answer a guess, so they
 * are listed as excluded and kept out of the grouping; an image left with no face to
 * compare makes the answer null ("cannot tell"), never a false yes or no.
 */
export class VerifySession {
  readonly #deps: VerifySessionDeps;

  constructor(deps: VerifySessionDeps) {
    this.#deps = deps;
  }

  async execute(input: { key: string | undefined }): Promise<Verification> {
    const { threshold } = this.#deps;
    const images = await this.#deps.summary.execute(input);
    const faces = images.flatMap((image, imageIndex) =>
      image.faces.map((face, faceIndex) => ({ ref: { image: imageIndex, face: faceIndex }, encoding: face.encoding, quality: face.quality })),
    );
    const excluded = faces.filter((face) => face.quality?.for_recognition === 'low').map((face) => ({ ...face.ref, reason: 'low_quality' as const }));
    const compared = faces.filter((face) => face.quality?.for_recognition !== 'low');
    const identities = groupIdentities(compared, threshold);
    const everyImageCompared = images.every((_, image) => compared.some((face) => face.ref.image === image));
    const inEveryImage = identities.some((identity) => images.every((_, image) => identity.some((face) => face.image === image)));
    return {
      threshold,
      same_person: images.length < 2 || !everyImageCompared ? null : inEveryImage,
      identities: identities.map((identity) => ({ faces: identity })),
      distances: faces.flatMap((a, i) =>
        faces.slice(i + 1).map((b) => ({ a: a.ref, b: b.ref, distance: Math.round(euclideanDistance(a.encoding, b.encoding) * 1e4) / 1e4 })),
      ),
      excluded,
    };
  }
}
