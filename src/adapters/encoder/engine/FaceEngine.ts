import * as ort from 'onnxruntime-node';
import { faceApiNetwork } from '../faceApiOnnx/faceApiGraphs.ts';
import type { Point, Rect } from '../faceApiOnnx/faceGeometry.ts';
import { imageStatisticsNetwork } from '../onnx/imageStatistics.ts';
import type { NetworkSource } from '../onnx/networkCache.ts';
import { DescriptorNet } from './DescriptorNet.ts';
import { detectFaces, secondLook } from './detectFaces.ts';
import { LandmarkNet } from './LandmarkNet.ts';
import { landmarkBox } from './landmarkBox.ts';
import type { Pixels } from './Pixels.ts';
import { YuNet } from './YuNet.ts';

export interface FoundFace {
  /** YuNet's box, in the decoded image's pixels; may reach past its edges. */
  readonly box: Rect;
  /** YuNet's confidence, 0-1. */
  readonly score: number;
  /** The box the landmark net read: the face framed as SSD MobileNet framed faces. */
  readonly framed: Rect;
  /** face-api's 68 points. */
  readonly landmarks: readonly Point[];
  readonly descriptor: Float32Array;
  /** Of the aligned face the descriptor saw: mean luma 0-1, and its Laplacian's spread (0-255 scale). */
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
  readonly cacheFolder: string;
  readonly intraOpThreads: number;
  readonly onCacheFailure: (error: unknown) => void;
}

/** Fitted on both development sets (`npm run eval`; README, "How faces are found"). */
export const faceSettings = {
  /** YuNet's score from which a detection may be a face: the lowest clear face a second look kept scored 0.50. */
  minScore: 0.45,
  /** From this score a detection is a face without a second look: the animals' faces scored up to 0.78. */
  sureScore: 0.8,
  /**
   * A detection below sureScore is a face when a second look scores it at least this:
   * the false faces it removed scored 0-0.38 there, the clear faces it kept 0.49 and up
   * (dev-set: 5 false faces removed, no clear face; dev-set-2: 7 false faces, no clear face).
   */
  secondLook: 0.45,
} as const;

/** The networks converted from face-api's weights, for `npm run models` to convert ahead of time. */
export function convertedNetworks(): NetworkSource[] {
  return [faceApiNetwork('landmarks'), faceApiNetwork('descriptor'), imageStatisticsNetwork];
}

/**
 * The stages a face goes through: YuNet finds it; face-api's landmark net reads its 68
 * points in the box SSD MobileNet would have given it; face-api's descriptor net reads
 * the square aligned from those points (so encodings stay comparable with face-api's),
 * and the image statistics of that square measure its quality. `run()` holds the calling
 * thread: this lives in a worker.
 */
export class FaceEngine {
  readonly #yuNet: YuNet;
  readonly #landmarks: LandmarkNet;
  readonly #descriptors: DescriptorNet;
  readonly #secondLook: boolean;

  private constructor(yuNet: YuNet, landmarks: LandmarkNet, descriptors: DescriptorNet, secondLook: boolean) {
    this.#yuNet = yuNet;
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
    // One cache failure (a read-only folder, say) would repeat for every network: say it once.
    let cacheFailed = false;
    const onCacheFailure = (error: unknown) => {
      if (!cacheFailed) options.onCacheFailure(error);
      cacheFailed = true;
    };
    const loading = { sessionOptions, cacheFolder: options.cacheFolder, onCacheFailure };
    const engine = new FaceEngine(await YuNet.load(sessionOptions), await LandmarkNet.load(loading), await DescriptorNet.load(loading), options.secondLook ?? true);
    await engine.#warmUp();
    return engine;
  }

  async findFaces(pixels: Pixels): Promise<FoundFace[]> {
    const image = tensorOf(pixels);
    // 1. Detect: YuNet at the working side and, for a larger photo, at its decoded size.
    const detections = await detectFaces(this.#yuNet, pixels, faceSettings.minScore);
    const faces: FoundFace[] = [];
    for (const detection of detections) {
      // 2. Faces and only faces: a detection YuNet is unsure of needs a second look.
      if (this.#secondLook && detection.score < faceSettings.sureScore && (await secondLook(this.#yuNet, pixels, detection.box)) < faceSettings.secondLook) continue;
      // 3. face-api's 68 points, read in the box SSD MobileNet would have drawn.
      const framed = landmarkBox(detection.box);
      const read = await this.#landmarks.read(image, pixels, framed);
      if (!read) continue;
      // 4. face-api's descriptor and the image statistics, on the square aligned from them.
      const description = await this.#descriptors.describe(image, pixels, read.points, read.region);
      if (!description) continue;
      faces.push({
        box: detection.box,
        score: detection.score,
        framed,
        landmarks: read.points,
        ...description,
        eyeDisagreement: eyeDisagreement(detection.points, read.points),
      });
    }
    return faces;
  }

  /** A network's first run allocates its buffers and is several times slower: pay that before taking work. */
  async #warmUp(): Promise<void> {
    const blank = { data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 };
    await this.#yuNet.detect(blank, 1);
    const read = await this.#landmarks.read(tensorOf(blank), blank, { x: 8, y: 8, width: 48, height: 48 });
    if (read) await this.#descriptors.describe(tensorOf(blank), blank, read.points, read.region);
  }

  async close(): Promise<void> {
    await Promise.all([this.#yuNet.release(), this.#landmarks.release(), this.#descriptors.release()]);
  }
}

function tensorOf(pixels: Pixels): ort.Tensor {
  return new ort.Tensor('uint8', pixels.data, [1, pixels.height, pixels.width, 3]);
}

/** How far apart YuNet and face-api put the eyes, as a share of the eye distance. */
function eyeDisagreement(yuNetPoints: readonly Point[], landmarks: readonly Point[]): number {
  if (yuNetPoints.length < 2) return Number.NaN;
  const faceApiEyes = [centre(landmarks.slice(36, 42)), centre(landmarks.slice(42, 48))];
  const eyeDistance = Math.max(1, Math.hypot(faceApiEyes[0]!.x - faceApiEyes[1]!.x, faceApiEyes[0]!.y - faceApiEyes[1]!.y));
  const apart = faceApiEyes.map((eye, i) => Math.hypot(eye.x - yuNetPoints[i]!.x, eye.y - yuNetPoints[i]!.y));
  return (apart[0]! + apart[1]!) / 2 / eyeDistance;
}

function centre(points: readonly Point[]): Point {
  return { x: points.reduce((sum, p) => sum + p.x, 0) / points.length, y: points.reduce((sum, p) => sum + p.y, 0) / points.length };
}
