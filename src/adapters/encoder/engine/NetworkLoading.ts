import type * as ort from 'onnxruntime-node';

/** What every network of the engine is loaded with. */
export interface NetworkLoading {
  readonly sessionOptions: ort.InferenceSession.SessionOptions;
  /** Where the networks converted from face-api's weights are kept between starts. */
  readonly cacheFolder: string;
  readonly onCacheFailure: (error: unknown) => void;
}
