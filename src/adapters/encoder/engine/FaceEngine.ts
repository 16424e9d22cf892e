import * as ort from 'onnxruntime-node';
import { forRecognition } from '../../../domain/faceQuality.ts';
import type { Box, Face, Point } from '../../../domain/ImageEncodings.ts';
import type { ImageInfo } from '../../../ports/ImageInspector.ts';
import { inspectImage } from '../../SharpImageInspector.ts';
import type { Chip } from './Chip.ts';
import { decode } from './decode.ts';
import { DescriptorNet } from './DescriptorNet.ts';
import { detectFaces, detectTurned, secondLooks } from './detectFaces.ts';
import { descriptorChip, landmarkChip, landmarkRoll } from './faceChips.ts';
import { eyeDisagreement, fivePoints, imageBox, round, type Scale } from './faceOutput.ts';
import { angleApart } from './geometry.ts';
import { headPose } from './headPose.ts';
import { LandmarkNet } from './LandmarkNet.ts';
import type { Pixels } from './Pixels.ts';
import { ViewCutter } from './ViewCutter.ts';
import { YuNet, type YuNetFace } from './YuNet.ts';

/** Names the encoding space; changes whenever the descriptor or how a face is cut for it changes. Faces of the older axis-aligned engine carry none. */
export const ENGINE_VERSION = 'face-api-128/aligned-2026.12';

/** Each threshold with the figure that keeps it (`npm run eval`, both development sets; docs/face-engine.md). A figure that no longer holds: refit, or delete the stage. */
export const thresholds = {
  decode: {
    /** The one resolution every stage reads: libvips shrinks a 24 MP JPEG 1/4 while decoding, and the tiles' pass stays at four. */
    longSide: 1280,
  },
  detect: {
    /** YuNet's scores fall for faces over ~450 px in its view. */
    workingSide: 640,
    /** YuNet's first score from which a detection may be a face: 0.3 found no more faces on either set, and 4 more false ones. */
    minScore: 0.45,
    /** Boxes overlapping a better one by more than this (IoU) are dropped, within a pass and across scales: the YuNet reference's value (OpenCV FaceDetectorYN). */
    nmsOverlap: 0.45,
    /** Tiles at the decoded size: 2 more clear faces on dev-set-2 (3 missed, not 5) for twice the time (median 77 vs 36 ms); 672 keeps YuNet's memory at the working side's (a 1280 px pass grew each thread's arena ~50 MB); 64 > faces kept here. */
    tile: { side: 672, overlap: 64 },
    /** Degrees clockwise, tried when no face is upright: quarter and half turns find sideways photos (dev-set: 9 of 100 quarter-turned faces found without them, 100 with), eighths 45° tilts (89 of 100, 100). */
    turns: [90, -90, 180, 45, -45, 135, -135],
  },
  landmarks: {
    /** The 68 points are read again when their roll is this far (radians) from their chip's: at ±45°, p90 distance 0.178 with one read, 0.149 with these. */
    rereadAngle: (10 * Math.PI) / 180,
    /** A face read sideways needs a second read to come near, a third to settle. */
    reads: 3,
  },
  look: {
    /** The view is the box this many times over: 1.5 gave dev-set a false face (and dev-set-2 one fewer missed), 2.5 missed 2 more on dev-set-2. */
    context: 2,
    /** Below it a face in the view counts as none (the look scores 0): 0.02, 0.1 and 0.2 find the same faces on both sets. */
    viewFloor: 0.05,
    /** A detection whose first score reaches this is a face whatever the look says: masked faces scored 0.75 and 0.76 and looked 0.11 and 0.43, a dog 0.76 (dev-set-2). */
    sureScore: 0.74,
    /** Below sureScore, a face only if the look scores this: 4 false faces and 3 missed on both sets (0.45: 5 and 3; 0.55: 4 and 4). */
    minLook: 0.5,
  },
  quality: {
    /** The face's height as SSD framed faces, when the quality bars were set, per descriptor chip side: dev-set's median over upright faces (spread 6%). */
    framedPerChip: 1.14,
    /** A chip's Laplacian spread (0-255 scale) that counts as fully sharp: crisp dev-set faces reach it. */
    fullySharp: 40,
    /** YuNet's and face-api's eyes may be this far apart, as a share of the eye distance: dev-set's faces 0.114 (median), 0.218 (95th percentile). */
    eyesAgree: 0.3,
    bars: {
      /** Pixels: the descriptor reads faces at 150; below 40 it reads mostly upscaling. */
      size: { high: 80, low: 40 },
      /** dev-set's sharpest third of faces passed 0.6; the blurriest TV stills fell to 0.36. */
      sharpness: { high: 0.4, low: 0.15 },
      brightness: { high: [0.25, 0.8], low: [0.12, 0.92] },
      /** Degrees from frontal, yaw and pitch alike: face-api's descriptor was trained on mostly frontal faces. */
      turn: { high: 25, low: 45 },
    },
  },
} as const;

export interface FaceEngineOptions {
  readonly maxInputPixels: number;
  readonly intraOpThreads: number;
  /** Without the second look, YuNet's score alone decides (for `npm run eval` to measure the stage). */
  readonly secondLook?: boolean;
}

/** In the decoded image's pixels (the box may reach past its edges); brightness and detail as in Description. */
export interface FoundFace {
  readonly box: Box;
  readonly score: number;
  readonly look: number;
  readonly landmarkChip: Chip;
  readonly landmarks: readonly Point[];
  readonly chip: Chip;
  readonly descriptor: Float32Array;
  readonly brightness: number;
  readonly detail: number;
  readonly eyeDisagreement: number;
}

/** The built-in engine (stages: docs/face-engine.md, "How a photo is read"). `encode()` holds its thread while the networks run: it lives in a worker. */
export class FaceEngine {
  readonly #yuNet: YuNet;
  readonly #cutter: ViewCutter;
  readonly #landmarks: LandmarkNet;
  readonly #descriptors: DescriptorNet;
  readonly #options: FaceEngineOptions;

  private constructor(yuNet: YuNet, cutter: ViewCutter, landmarks: LandmarkNet, descriptors: DescriptorNet, options: FaceEngineOptions) {
    this.#yuNet = yuNet;
    this.#cutter = cutter;
    this.#landmarks = landmarks;
    this.#descriptors = descriptors;
    this.#options = options;
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
      await YuNet.load(sessionOptions, thresholds.detect.nmsOverlap),
      await ViewCutter.load(sessionOptions),
      await LandmarkNet.load(sessionOptions),
      await DescriptorNet.load(sessionOptions),
      options,
    );
    await engine.#warmUp();
    return engine;
  }

  /** Every face in the image, in the oriented photo's pixels. `inspected`: what the inspector already read of its header. */
  async encode(image: Uint8Array, inspected?: ImageInfo): Promise<Face[]> {
    const { width, height } = inspected ?? (await inspectImage(image, this.#options.maxInputPixels));
    const pixels = await decode(image, this.#options.maxInputPixels, thresholds.decode.longSide);
    const found = await this.findFaces(pixels);
    const scale = { x: width / pixels.width, y: height / pixels.height };
    return found.map((face) => described(face, scale, { width, height }));
  }

  async findFaces(pixels: Pixels): Promise<FoundFace[]> {
    const image = tensorOf(pixels);
    const upright = await this.#readAll(image, await detectFaces(this.#yuNet, pixels, thresholds.detect));
    if (upright.length > 0) return upright;
    const byTurn: YuNetFace[][] = [];
    for (const degrees of thresholds.detect.turns) byTurn.push(await detectTurned(this.#yuNet, pixels, degrees, thresholds.detect));
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

  async #read(image: ort.Tensor, detection: YuNetFace): Promise<FoundFace | undefined> {
    let read = await this.#readLandmarks(image, landmarkChip(detection.box, detection.points));
    if (!read) return undefined;
    const looks = await secondLooks(this.#yuNet, this.#cutter, image, detection.box, read.roll, thresholds.look);
    const best = looks.reduce((surest, look, turn) => (look.score > looks[surest]!.score ? turn : surest), 0);
    const { score: look, face: seen } = looks[best]!;
    const { sureScore, minLook } = thresholds.look;
    if ((this.#options.secondLook ?? true) && detection.score < sureScore && look < minLook) return undefined;
    const reframed = seen !== undefined && (best !== 0 || read.reread);
    if (reframed) {
      read = await this.#readLandmarks(image, landmarkChip(seen.box, seen.points));
      if (!read) return undefined;
    }
    const chip = descriptorChip(read.landmarks);
    const description = await this.#descriptors.describe(image, chip);
    if (!description) return undefined;
    return {
      box: detection.box,
      score: detection.score,
      look,
      landmarkChip: read.chip,
      landmarks: read.landmarks,
      chip,
      ...description,
      eyeDisagreement: eyeDisagreement(reframed ? seen.points : detection.points, read.landmarks),
    };
  }

  async #readLandmarks(image: ort.Tensor, chip: Chip): Promise<{ landmarks: Point[]; chip: Chip; roll: number; reread: boolean } | undefined> {
    let read: { landmarks: Point[]; chip: Chip; roll: number; reread: boolean } | undefined;
    for (let reads = 0; reads < thresholds.landmarks.reads; reads++) {
      const readChip: Chip = read ? { ...read.chip, angle: read.roll } : chip;
      const landmarks = await this.#landmarks.read(image, readChip);
      if (!landmarks) return undefined;
      read = { landmarks, chip: readChip, roll: landmarkRoll(landmarks), reread: reads > 0 };
      if (angleApart(read.roll, readChip.angle) <= thresholds.landmarks.rereadAngle) break;
    }
    return read;
  }

  /** A network's first run allocates its buffers and is several times slower: pay that before taking work. */
  async #warmUp(): Promise<void> {
    const blank = { data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 };
    await this.#yuNet.detect(blank, 1);
    await secondLooks(this.#yuNet, this.#cutter, tensorOf(blank), { x: 8, y: 8, width: 48, height: 48 }, 0, thresholds.look);
    const landmarks = await this.#landmarks.read(tensorOf(blank), { centre: { x: 32, y: 32 }, side: 48, angle: 0 });
    if (landmarks) await this.#descriptors.describe(tensorOf(blank), descriptorChip(landmarks));
  }

  async close(): Promise<void> {
    await Promise.all([this.#yuNet.release(), this.#cutter.release(), this.#landmarks.release(), this.#descriptors.release()]);
  }
}

function described(face: FoundFace, scale: Scale, image: { width: number; height: number }): Face {
  const { framedPerChip, fullySharp, eyesAgree, bars } = thresholds.quality;
  const pose = headPose(face.landmarks);
  const measures = {
    sharpness: round(Math.min(1, face.detail / fullySharp), 3),
    brightness: round(face.brightness, 3),
    size: Math.round(face.chip.side * framedPerChip),
  };
  const landmarksAgree = face.eyeDisagreement <= eyesAgree;
  return {
    encoding: Array.from(face.descriptor),
    engine: ENGINE_VERSION,
    box: imageBox(face.box, scale, image),
    score: round(face.score, 3),
    landmarks: fivePoints(face.landmarks, scale),
    pose,
    quality: { ...measures, for_recognition: forRecognition({ ...measures, landmarksAgree }, pose, bars) },
  };
}

function tensorOf(pixels: Pixels): ort.Tensor {
  return new ort.Tensor('uint8', pixels.data, [1, pixels.height, pixels.width, 3]);
}
