import * as ort from 'onnxruntime-node';
import { faceApiNetwork, networkSides } from '../faceApiOnnx/faceApiGraphs.ts';
import { alignedFaceRect, clipAtImageBorders, landmarkPoints, squarePads, type Point, type Rect } from '../faceApiOnnx/faceGeometry.ts';
import { ssdDetections } from '../faceApiOnnx/ssdDetections.ts';
import { imageStatisticsNetwork } from '../onnx/imageStatistics.ts';
import { networkBytes, type NetworkSource } from '../onnx/networkCache.ts';
import { faceMeshNetwork } from '../tfjsGraphOnnx/faceMeshNetwork.ts';
import { detectorLikeBox, readMesh, type MeshReading } from './faceMesh.ts';
import { sameRegion } from './sameFace.ts';

/** Decoded RGB pixels, 3 bytes a pixel, row by row. */
export interface Pixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface FoundFace {
  /** In the decoded image's pixels; may reach past its edges. */
  readonly box: Rect;
  /** How sure the engine is that this is a face: FaceMesh's face flag (SSD's score with detection 'ssd'). */
  readonly score: number;
  /** face-api's 68 points. */
  readonly landmarks: readonly Point[];
  /** FaceMesh's 468 points; absent with detection 'ssd'. */
  readonly mesh?: MeshReading;
  readonly descriptor: Float32Array;
  /** Of the aligned face the descriptor saw: mean luma 0-1, and its Laplacian's spread (0-255 scale). */
  readonly brightness: number;
  readonly detail: number;
  /**
   * How far apart face-api's and FaceMesh's eye centres are, as a share of the eye
   * distance: small when both networks read the face alike (NaN with detection 'ssd').
   */
  readonly eyeDisagreement: number;
}

/**
 * 'verified' (the service's): SSD MobileNet proposes faces down to a low score, the
 * whole picture is proposed too (a face that fills the frame is too close for SSD),
 * and FaceMesh must see a face in every proposal. 'ssd': SSD alone at face-api's
 * usual threshold, as the engine was before the check; kept for `npm run eval`.
 */
export type Detection = 'verified' | 'ssd';

export interface FaceEngineOptions {
  readonly cacheFolder: string;
  readonly intraOpThreads: number;
  readonly detection: Detection;
  readonly onCacheFailure: (error: unknown) => void;
}

/** Fitted on the development set (`npm run eval`; README, "How faces are found"). */
export const detectionSettings = {
  /** SSD proposals kept for checking. The check, not this score, decides. */
  proposalScore: 0.1,
  /** SSD's score that counts as a face without a check, with detection 'ssd'. */
  unverifiedScore: 0.3,
  /** FaceMesh's face flag from which a proposal is a face. */
  presence: 0.5,
  /**
   * For boxes SSD was not sure of: how far face-api's eye centres may be from FaceMesh's,
   * as a share of the distance between the eyes. Faces measured 0.04-0.15, a box on a
   * chin and collar 0.52.
   */
  eyeDisagreement: 0.3,
  maxProposals: 100,
} as const;

type Sessions = Record<'detector' | 'landmarks' | 'descriptor' | 'mesh' | 'statistics', ort.InferenceSession>;

/** Every network the engine runs, for `npm run models` to convert ahead of time. */
export function engineNetworks(): Record<keyof Sessions, NetworkSource> {
  return {
    detector: faceApiNetwork('detector'),
    landmarks: faceApiNetwork('landmarks'),
    descriptor: faceApiNetwork('descriptor'),
    mesh: faceMeshNetwork(),
    statistics: imageStatisticsNetwork,
  };
}

/**
 * Finds faces and describes each: face-api's landmarks and 128-number descriptor
 * (unchanged for every face SSD finds, so stored encodings stay comparable), FaceMesh's
 * points, and image statistics for quality. `run()` holds the calling thread: this
 * lives in a worker.
 */
export class FaceEngine {
  readonly #sessions: Sessions;
  readonly #detection: Detection;

  private constructor(sessions: Sessions, detection: Detection) {
    this.#sessions = sessions;
    this.#detection = detection;
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
    const sessions: Partial<Sessions> = {};
    for (const [name, source] of Object.entries(engineNetworks()) as [keyof Sessions, NetworkSource][]) {
      sessions[name] = await ort.InferenceSession.create(networkBytes(source, options.cacheFolder, onCacheFailure), sessionOptions);
    }
    await warmUp(sessions as Sessions);
    return new FaceEngine(sessions as Sessions, options.detection);
  }

  async findFaces(pixels: Pixels): Promise<FoundFace[]> {
    const image = new ort.Tensor('uint8', pixels.data, [1, pixels.height, pixels.width, 3]);
    const whole: Rect = { x: 0, y: 0, width: pixels.width, height: pixels.height };
    const detector = await this.#sessions.detector.run(regionFeeds(image, whole, false));
    const verified = this.#detection === 'verified';
    const detections = ssdDetections(floats(detector, 'boxes'), floats(detector, 'scores'), pixels, {
      minConfidence: verified ? detectionSettings.proposalScore : detectionSettings.unverifiedScore,
      maxResults: detectionSettings.maxProposals,
      inputSide: networkSides.detector,
    });
    if (!verified) {
      const faces = await Promise.all(detections.map((detection) => this.#describe(image, pixels, detection.box, detection.score, undefined)));
      return faces.filter((face) => face !== undefined);
    }
    // Best first: the boxes SSD is sure of (the faces the engine found before the check,
    // which keep their boxes and so their encodings), then the whole picture (a face that
    // fills it is framed better by its mesh than by SSD's unsure boxes), then the rest.
    const sure = detections.filter((detection) => detection.score >= detectionSettings.unverifiedScore);
    const unsure = detections.filter((detection) => detection.score < detectionSettings.unverifiedScore);
    const proposals = [
      ...sure.map((detection) => ({ box: detection.box, sure: true, fromDetector: true })),
      { box: whole, sure: false, fromDetector: false },
      ...unsure.map((detection) => ({ box: detection.box, sure: false, fromDetector: true })),
    ];
    const faces: FoundFace[] = [];
    const seen = (box: Rect) => faces.some((face) => sameRegion(face.box, box) || (face.mesh && sameRegion(face.mesh.extent, box)));
    for (const proposal of proposals) {
      if (seen(proposal.box)) continue;
      const mesh = await readMesh(this.#sessions.mesh, image, pixels, proposal.box);
      if (!mesh || mesh.presence < detectionSettings.presence) continue;
      // Clipped: face-api shifts landmarks by the box, not by the part of it inside the
      // image, which misplaces them for a box past the edge. SSD's boxes keep that quirk
      // (their encodings must not move); boxes made here need not have it.
      const box = proposal.fromDetector ? proposal.box : clipAtImageBorders(detectorLikeBox(mesh.extent), pixels.width, pixels.height);
      if (!proposal.fromDetector && seen(box)) continue;
      const face = await this.#describe(image, pixels, box, mesh.presence, mesh);
      if (!face) continue;
      // A box SSD was unsure of may sit on part of a face (a chin and collar, say) and
      // still pass the mesh's check; the two networks then disagree on where the eyes are.
      if (proposal.fromDetector && !proposal.sure && face.eyeDisagreement > detectionSettings.eyeDisagreement) continue;
      faces.push(face);
    }
    return faces;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.#sessions).map((session) => session.release()));
  }

  async #describe(image: ort.Tensor, pixels: Pixels, box: Rect, score: number, mesh: MeshReading | undefined): Promise<FoundFace | undefined> {
    const region = clipAtImageBorders(box, pixels.width, pixels.height);
    // face-api drops empty crops; a box wholly outside the image has no face to encode.
    if (region.width <= 0 || region.height <= 0) return undefined;
    const landmarkOutput = await this.#sessions.landmarks.run(regionFeeds(image, region, true));
    const landmarks = landmarkPoints(floats(landmarkOutput, 'landmarks'), networkSides.landmarks, region, box);
    const aligned = clipAtImageBorders(alignedFaceRect(landmarks, region), pixels.width, pixels.height);
    if (aligned.width <= 0 || aligned.height <= 0) return undefined;
    const alignedFeeds = regionFeeds(image, aligned, true);
    const descriptor = floats(await this.#sessions.descriptor.run(alignedFeeds), 'descriptor');
    const statistics = mesh ? await this.#sessions.statistics.run(alignedFeeds) : undefined;
    return {
      box,
      score,
      landmarks,
      ...(mesh && { mesh }),
      descriptor,
      brightness: statistics ? floats(statistics, 'brightness')[0]! : Number.NaN,
      detail: statistics ? floats(statistics, 'detail')[0]! : Number.NaN,
      eyeDisagreement: mesh ? eyeDisagreement(landmarks, mesh) : Number.NaN,
    };
  }
}

/** FaceMesh points at the corners of the eye on the image's left, then on its right. */
const MESH_EYES = [
  [33, 133],
  [263, 362],
] as const;

/** How far apart face-api and FaceMesh put the eyes, as a share of the eye distance. */
function eyeDisagreement(landmarks: readonly Point[], mesh: MeshReading): number {
  const faceApiEyes = [centre(landmarks.slice(36, 42)), centre(landmarks.slice(42, 48))];
  const meshEyes = MESH_EYES.map(([outer, inner]) => centre([mesh.points[outer]!, mesh.points[inner]!]));
  const eyeDistance = Math.max(1, Math.hypot(faceApiEyes[0]!.x - faceApiEyes[1]!.x, faceApiEyes[0]!.y - faceApiEyes[1]!.y));
  const apart = faceApiEyes.map((eye, i) => Math.hypot(eye.x - meshEyes[i]!.x, eye.y - meshEyes[i]!.y));
  return (apart[0]! + apart[1]!) / 2 / eyeDistance;
}

function centre(points: readonly Point[]): Point {
  return { x: points.reduce((sum, p) => sum + p.x, 0) / points.length, y: points.reduce((sum, p) => sum + p.y, 0) / points.length };
}

/** A network's first run allocates its buffers and is several times slower: pay that before taking work. */
async function warmUp(sessions: Sessions): Promise<void> {
  const blank = new ort.Tensor('uint8', new Uint8Array(64 * 64 * 3), [1, 64, 64, 3]);
  const feeds = regionFeeds(blank, { x: 0, y: 0, width: 64, height: 64 }, true);
  for (const session of Object.values(sessions)) await session.run(feeds);
}

function regionFeeds(image: ort.Tensor, region: Rect, centred: boolean): Record<string, ort.Tensor> {
  const int64s = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);
  return {
    image,
    start: int64s([region.y, region.x]),
    end: int64s([region.y + region.height, region.x + region.width]),
    pads: int64s(squarePads(region.width, region.height, centred)),
  };
}

function floats(results: ort.InferenceSession.ReturnType, name: string): Float32Array {
  const tensor = results[name];
  if (!tensor || tensor.type !== 'float32') throw new Error(`the network gave no float output ${name}`);
  return tensor.data as Float32Array;
}
