import * as ort from 'onnxruntime-node';
import type { Chip } from './Chip.ts';
import { DescriptorNet } from './DescriptorNet.ts';
import { detectFaces, detectTurned, secondLooks } from './detectFaces.ts';
import { descriptorChip, landmarkChip, landmarkRoll } from './faceChips.ts';
import { angleApart, centreOf, type Point, type Rect } from './geometry.ts';
import { LandmarkNet } from './LandmarkNet.ts';
import type { Pixels } from './Pixels.ts';
import { ViewCutter } from './ViewCutter.ts';
import { YuNet, type YuNetFace } from './YuNet.ts';

export interface FoundFace {
  /** YuNet's box, in the decoded image's pixels; may reach past its edges. */
  readonly box: Rect;
  /** YuNet's confidence, 0-1. */
  readonly score: number;
  /** YuNet's confidence when it looked again at the face upright (its second look). */
  readonly look: number;
  /** The chip the landmark net read: the face framed as SSD MobileNet framed faces, turned upright. */
  readonly landmarkChip: Chip;
  /** face-api's 68 points, in the decoded image's pixels. */
  readonly landmarks: readonly Point[];
  /** The chip the descriptor read, aligned from the 68 points. */
  readonly chip: Chip;
  readonly descriptor: Float32Array;
  /** Of the chip the descriptor read: mean luma 0-1, and its Laplacian's spread (0-255 scale). */
  readonly brightness: number;
  readonly detail: number;
  /**
   * How far apart YuNet's eyes and face-api's eye centres are, as a share of the eye
   * distance: small when both networks read the face alike.
   */
  readonly eyeDisagreement: number;
}

export interface FaceEngineOptions {
  /** Without the second look, YuNet's score alone decides (for `npm run eval` to measure the stage). */
  readonly secondLook?: boolean;
  readonly intraOpThreads: number;
}

/**
 * The name of the space this engine's encodings live in: face-api's 128-number
 * descriptor read on chips aligned by the eyes (December 2026). A new name whenever the
 * descriptor or the way a face is cut for it changes, so a stored encoding can be tied
 * to the engine that made it. Faces stored by the engine before, which read axis-aligned
 * squares, carry no name.
 */
export const ENGINE_VERSION = 'face-api-128/aligned-2026.12';

/** Fitted on the development sets (`npm run eval`; docs/face-engine.md). */
export const faceSettings = {
  /** YuNet's score from which a detection may be a face: 0.3 found no more faces on either set, and 4 more false ones. */
  minScore: 0.45,
  /**
   * From this score a detection is a face whatever the second look says: masked faces
   * scored 0.75 and 0.76 and looked 0.11 and 0.43, a dog 0.76 (dev-set-2); the look alone
   * lost 2 upright faces on dev-set.
   */
  sureScore: 0.74,
  /**
   * A detection below sureScore is a face when YuNet, looking again upright, scores it at
   * least this: dev-set's false faces looked up to 0.47, its clear faces 0.68 and up; on
   * both sets 0.5 gave 4 false faces and 3 missed (0.45: 5 and 3, 0.55: 4 and 4).
   */
  secondLook: 0.5,
  /** How far (radians) the 68 points' roll may be from their chip's before they are read again: at ±45°, p90 0.178 without, 0.149 with. */
  rereadAngle: (10 * Math.PI) / 180,
} as const;

/**
 * The turns (degrees, clockwise) a photo with no face upright is read at. The quarter
 * and half turns find sideways and upside-down photos (dev-set: 9 of 100 quarter-turned
 * faces found without); the eighths find heads tilted 45 degrees YuNet misses upright
 * (89 of 100 found without them, 100 with).
 */
const TURNS = [90, -90, 180, 45, -45, 135, -135] as const;

/** At most this many landmark reads a chip (a face read sideways needs a second to come near, a third to settle). */
const READS = 3;

/**
 * The stages a face goes through, each reading it upright: YuNet finds it; face-api's
 * landmark net reads its 68 points in a chip turned as the face is; YuNet looks again,
 * four ways, to tell which way up it is and whether it is a face at all; face-api's
 * descriptor net reads face-api's square turned by the eyes, with the image statistics
 * for its quality. A photo with no face upright is read turned. `run()` holds the
 * calling thread: this lives in a worker.
 */
export class FaceEngine {
  readonly #yuNet: YuNet;
  readonly #cutter: ViewCutter;
  readonly #landmarks: LandmarkNet;
  readonly #descriptors: DescriptorNet;
  readonly #secondLook: boolean;

  private constructor(yuNet: YuNet, cutter: ViewCutter, landmarks: LandmarkNet, descriptors: DescriptorNet, secondLook: boolean) {
    this.#yuNet = yuNet;
    this.#cutter = cutter;
    this.#landmarks = landmarks;
    this.#descriptors = descriptors;
    this.#secondLook = secondLook;
  }

  static async load(options: FaceEngineOptions): Promise<FaceEngine> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Planning one block for all of a run's tensors held ~40 MB more, for no measurable speed.
      enableMemPattern: false,
      // Spinning threads would burn the cores other workers and requests need.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    };
    const engine = new FaceEngine(
      await YuNet.load(sessionOptions),
      await ViewCutter.load(sessionOptions),
      await LandmarkNet.load(sessionOptions),
      await DescriptorNet.load(sessionOptions),
      options.secondLook ?? true,
    );
    await engine.#warmUp();
    return engine;
  }

  async findFaces(pixels: Pixels): Promise<FoundFace[]> {
    const image = tensorOf(pixels);
    // 2. Detect (docs/face-engine.md numbers the stages): YuNet at the working side and, for a larger photo, in tiles at its decoded size.
    const upright = await this.#readAll(image, await detectFaces(this.#yuNet, pixels, faceSettings.minScore));
    if (upright.length > 0) return upright;
    // 5. A photo with no face upright may be sideways or upside down with no EXIF tag to say
    // so: it is read at the turn where YuNet is surest of a face (a face the wrong way up
    // scores lower than the right way up).
    const byTurn: YuNetFace[][] = [];
    for (const degrees of TURNS) byTurn.push(await detectTurned(this.#yuNet, pixels, degrees, faceSettings.minScore));
    const surest = (faces: readonly YuNetFace[]) => Math.max(0, ...faces.map((face) => face.score));
    byTurn.sort((a, b) => surest(b) - surest(a));
    for (const detections of byTurn) {
      const turned = await this.#readAll(image, detections);
      if (turned.length > 0) return turned;
    }
    return [];
  }

  async #readAll(image: ort.Tensor, detections: readonly YuNetFace[]): Promise<FoundFace[]> {
    const faces: FoundFace[] = [];
    for (const detection of detections) {
      const face = await this.#read(image, detection);
      if (face) faces.push(face);
    }
    return faces;
  }

  /** What one detection is: a face, read upright, or undefined when it is none. */
  async #read(image: ort.Tensor, detection: YuNetFace): Promise<FoundFace | undefined> {
    // 3. face-api's 68 points, read upright in the box SSD MobileNet would have drawn.
    let read = await this.#readLandmarks(image, landmarkChip(detection.box, detection.points));
    if (!read) return undefined;
    // 4. Which way up, and faces only: YuNet looks again at the face turned upright as the
    // 68 points say, and a quarter, a half and three quarters from that (YuNet's own points
    // lean upright, so a face upside down reads as upright until then). The turn it is
    // surest of is the face's; a detection YuNet was unsure of is a face only if that look is sure.
    const looks = await secondLooks(this.#yuNet, this.#cutter, image, detection.box, read.roll);
    const best = looks.reduce((surest, look, turn) => (look.score > looks[surest]!.score ? turn : surest), 0);
    const { score: look, face: seen } = looks[best]!;
    if (this.#secondLook && detection.score < faceSettings.sureScore && look < faceSettings.secondLook) return undefined;
    // A face YuNet first read at the wrong angle is framed again from what it saw upright,
    // and its five points, which lean upright, are taken from there too.
    const reframed = seen !== undefined && (best !== 0 || read.reread);
    if (reframed) {
      read = await this.#readLandmarks(image, landmarkChip(seen.box, seen.points));
      if (!read) return undefined;
    }
    const { landmarks } = read;
    // 6. face-api's descriptor and the image statistics, on the chip aligned from them.
    const chip = descriptorChip(landmarks);
    const description = await this.#descriptors.describe(image, chip);
    if (!description) return undefined;
    return {
      box: detection.box,
      score: detection.score,
      look,
      landmarkChip: read.chip,
      landmarks,
      chip,
      ...description,
      eyeDisagreement: eyeDisagreement(reframed ? seen.points : detection.points, landmarks),
    };
  }

  /**
   * The 68 points read in `chip`, and again, up to READS times, while they say the face
   * is turned otherwise than the chip they were read in.
   */
  async #readLandmarks(image: ort.Tensor, chip: Chip): Promise<{ landmarks: Point[]; chip: Chip; roll: number; reread: boolean } | undefined> {
    let read: { landmarks: Point[]; chip: Chip; roll: number; reread: boolean } | undefined;
    for (let reads = 0; reads < READS; reads++) {
      const readChip: Chip = read ? { ...read.chip, angle: read.roll } : chip;
      const landmarks = await this.#landmarks.read(image, readChip);
      if (!landmarks) return undefined;
      read = { landmarks, chip: readChip, roll: landmarkRoll(landmarks), reread: reads > 0 };
      if (angleApart(read.roll, readChip.angle) <= faceSettings.rereadAngle) break;
    }
    return read;
  }

  /** A network's first run allocates its buffers and is several times slower: pay that before taking work. */
  async #warmUp(): Promise<void> {
    const blank = { data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 };
    await this.#yuNet.detect(blank, 1);
    await secondLooks(this.#yuNet, this.#cutter, tensorOf(blank), { x: 8, y: 8, width: 48, height: 48 }, 0);
    const landmarks = await this.#landmarks.read(tensorOf(blank), { centre: { x: 32, y: 32 }, side: 48, angle: 0 });
    if (landmarks) await this.#descriptors.describe(tensorOf(blank), descriptorChip(landmarks));
  }

  async close(): Promise<void> {
    await Promise.all([this.#yuNet.release(), this.#cutter.release(), this.#landmarks.release(), this.#descriptors.release()]);
  }
}

function tensorOf(pixels: Pixels): ort.Tensor {
  return new ort.Tensor('uint8', pixels.data, [1, pixels.height, pixels.width, 3]);
}

/** How far apart YuNet and face-api put the eyes, as a share of the eye distance. */
function eyeDisagreement(yuNetPoints: readonly Point[], landmarks: readonly Point[]): number {
  if (yuNetPoints.length < 2) return Number.NaN;
  const faceApiEyes = [centreOf(landmarks.slice(36, 42)), centreOf(landmarks.slice(42, 48))];
  const eyeDistance = Math.max(1, Math.hypot(faceApiEyes[0]!.x - faceApiEyes[1]!.x, faceApiEyes[0]!.y - faceApiEyes[1]!.y));
  const apart = faceApiEyes.map((eye, i) => Math.hypot(eye.x - yuNetPoints[i]!.x, eye.y - yuNetPoints[i]!.y));
  return (apart[0]! + apart[1]!) / 2 / eyeDistance;
}
