import { Failure } from './Failure.ts';
import type { Face } from './ImageEncodings.ts';

export function checkFaceCount(faces: readonly Face[], maxFaces: number): void {
  if (faces.length === 0) throw new Failure('no_face', 'The image contains no face.');
  if (faces.length > maxFaces) {
    throw new Failure('too_many_faces', `The image contains more than ${maxFaces} faces.`);
  }
}
