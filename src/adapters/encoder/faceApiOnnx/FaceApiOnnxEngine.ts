import * as ort from 'onnxruntime-node';
import { networkBytes } from '../onnx/networkCache.ts';
import { faceApiNetwork, networkSides, type NetworkName } from './faceApiGraphs.ts';
import { alignedFaceRect, clipAtImageBorders, landmarkPoints, squarePads, type Point, type Rect } from './faceGeometry.ts';
import { ssdDetections, type Detection } from './ssdDetections.ts';

/** Decoded RGB pixels, 3 bytes a pixel, row by row. */
export interface Pixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface FoundFace extends Detection {
  /** face-api's 68 points, in the decoded image's pixels. */
  readonly landmarks: readonly Point[];
  readonly descriptor: Float32Array;
}

export interface FaceApiOnnxEngineOptions {
  readonly cacheFolder: string;
  /** Threads one network run may use; the pool multiplies this by its workers. */
  readonly intraOpThreads: number;
  readonly minConfidence: number;
  readonly maxResults: number;
  readonly onCacheFailure: (error: unknown) => void;
}

/**
 * face-api's pipeline (detectAllFaces().withFaceLandmarks().withFaceDescriptors()) on
 * onnxruntime: SSD MobileNet v1 finds faces, the 68-point net places landmarks in each
 * face's box, and the recognition net encodes the dlib-style aligned square. `run()`
 * blocks the calling thread, so this lives in a worker.
 */
export class FaceApiOnnxEngine {
  readonly #sessions: Record<NetworkName, ort.InferenceSession>;
  readonly #options: FaceApiOnnxEngineOptions;

  private constructor(sessions: Record<NetworkName, ort.InferenceSession>, options: FaceApiOnnxEngineOptions) {
    this.#sessions = sessions;
    this.#options = options;
  }

  static async load(options: FaceApiOnnxEngineOptions): Promise<FaceApiOnnxEngine> {
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
    const load = (name: NetworkName) => ort.InferenceSession.create(networkBytes(faceApiNetwork(name), options.cacheFolder, onCacheFailure), sessionOptions);
    const sessions = { detector: await load('detector'), landmarks: await load('landmarks'), descriptor: await load('descriptor') };
    await warmUp(sessions);
    return new FaceApiOnnxEngine(sessions, options);
  }

  async findFaces(pixels: Pixels): Promise<FoundFace[]> {
    const image = new ort.Tensor('uint8', pixels.data, [1, pixels.height, pixels.width, 3]);
    const whole: Rect = { x: 0, y: 0, width: pixels.width, height: pixels.height };
    const detector = await this.#sessions.detector.run(regionFeeds(image, whole, false));
    const detections = ssdDetections(floats(detector, 'boxes'), floats(detector, 'scores'), pixels, {
      minConfidence: this.#options.minConfidence,
      maxResults: this.#options.maxResults,
      inputSide: networkSides.detector,
    });
    const faces: FoundFace[] = [];
    for (const detection of detections) {
      const face = await this.#describe(image, pixels, detection);
      if (face) faces.push(face);
    }
    return faces;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.#sessions).map((session) => session.release()));
  }

  async #describe(image: ort.Tensor, pixels: Pixels, detection: Detection): Promise<FoundFace | undefined> {
    const region = clipAtImageBorders(detection.box, pixels.width, pixels.height);
    // face-api drops empty crops; a box wholly outside the image has no face to encode.
    if (region.width <= 0 || region.height <= 0) return undefined;
    const landmarkOutput = await this.#sessions.landmarks.run(regionFeeds(image, region, true));
    const landmarks = landmarkPoints(floats(landmarkOutput, 'landmarks'), networkSides.landmarks, region, detection.box);
    const aligned = clipAtImageBorders(alignedFaceRect(landmarks, region), pixels.width, pixels.height);
    if (aligned.width <= 0 || aligned.height <= 0) return undefined;
    const descriptorOutput = await this.#sessions.descriptor.run(regionFeeds(image, aligned, true));
    return { ...detection, landmarks, descriptor: floats(descriptorOutput, 'descriptor') };
  }
}

/** A network's first run allocates its buffers and is several times slower: pay that before taking work. */
async function warmUp(sessions: Record<NetworkName, ort.InferenceSession>): Promise<void> {
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
