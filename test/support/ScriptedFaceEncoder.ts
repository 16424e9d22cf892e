import { Failure } from '../../src/domain/Failure.ts';
import type { Face } from '../../src/domain/ImageEncodings.ts';
import type { EncodeBudget, EncodeSpender } from '../../src/ports/EncodeBudget.ts';
import type { EncodeOptions, FaceEncoder } from '../../src/ports/FaceEncoder.ts';
import type { ImageInfo, ImageInspector } from '../../src/ports/ImageInspector.ts';

/**
 * Use-case tests only. Reads the face count from the image's text ("faces:2"), so each
 * test image is self-describing, and derives encodings from the bytes so different
 * images get different encodings. Counts calls to prove dedup.
 */
export class ScriptedFaceEncoder implements FaceEncoder {
  calls = 0;
  /** What the last call was given besides the image. */
  options: EncodeOptions | undefined;

  async encode(image: Uint8Array, options?: EncodeOptions): Promise<Face[]> {
    this.calls += 1;
    this.options = options;
    const text = Buffer.from(image).toString('utf8');
    const count = Number(/faces:(\d+)/.exec(text)?.[1] ?? 1);
    const seed = [...image].reduce((sum, byte) => sum + byte, 0);
    return Array.from({ length: count }, (_, face) => ({
      encoding: Array.from({ length: 128 }, (_, i) => Math.sin(seed + face * 1000 + i)),
    }));
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Use-case tests only: anything starting with "image" is an image. */
export class PrefixImageInspector implements ImageInspector {
  async inspect(image: Uint8Array): Promise<ImageInfo> {
    if (!Buffer.from(image).toString('utf8').startsWith('image')) {
      throw new Failure('invalid_image', 'not an image');
    }
    return { format: 'png', width: 1, height: 1 };
  }
}

/** Use-case tests only: records every encode spent, and refuses once `allowed` have been. */
export class ScriptedBudget implements EncodeBudget {
  readonly spent: EncodeSpender[] = [];
  allowed = Infinity;

  async spend(spender: EncodeSpender): Promise<void> {
    if (this.spent.length >= this.allowed) throw new Failure('rate_limited', 'budget spent', { retryAfterSeconds: 60 });
    this.spent.push(spender);
  }
}

export function fakeImage(name: string, faces = 1): Uint8Array {
  return new TextEncoder().encode(`image ${name} faces:${faces}`);
}
