import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EncodeObserver } from '../encoder/ObservedFaceEncoder.ts';
import type { RequestObserver } from '../http/requestMetrics.ts';

export interface EncoderGauges {
  readonly queueDepth: () => number;
  readonly inFlight: () => number;
  readonly expectedWaitMs: () => number;
}

export type Dependency = 'storage' | 'cache' | 'encoder';

/** One registry per composed app, not the global one, so tests can build many apps. Names: docs/operations.md. */
export class PrometheusMetrics implements RequestObserver, EncodeObserver {
  readonly #registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status'>;
  readonly #sessionsStarted: Counter;
  readonly #encodeSeconds: Histogram;
  readonly #facesPerImage: Histogram;
  readonly #shed: Counter;
  readonly #cacheHits: Counter;
  readonly #cacheMisses: Counter;
  readonly #errors: Counter<'dependency' | 'code'>;
  readonly #rateLimited: Counter<'limit'>;
  readonly #countedLocally: Counter<'limit'>;
  readonly #abandoned: Counter;
  readonly #sealed: Gauge<'sealed_under'>;

  constructor() {
    const registers = [this.#registry];
    collectDefaultMetrics({ register: this.#registry });
    this.#requests = new Histogram({
      name: 'face_sessions_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#sessionsStarted = new Counter({ name: 'face_sessions_sessions_started_total', help: 'Sessions started', registers });
    this.#encodeSeconds = new Histogram({
      name: 'face_sessions_encode_duration_seconds',
      help: 'Time the face encoder took per image, not counting the wait in its queue',
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#facesPerImage = new Histogram({
      name: 'face_sessions_faces_per_image',
      help: 'Faces the encoder found per image',
      buckets: [0, 1, 2, 3, 4, 5, 10],
      registers,
    });
    this.#shed = new Counter({
      name: 'face_sessions_encoder_shed_total',
      help: 'Uploads refused (503) because their expected wait for the encoder passed the budget',
      registers,
    });
    this.#abandoned = new Counter({
      name: 'face_sessions_encoder_abandoned_total',
      help: 'Uploads dropped from the encoder queue before they ran, because their client had gone',
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'face_sessions_rate_limited_total',
      help: 'Requests refused with 429, by the limit that refused them',
      labelNames: ['limit'],
      registers,
    });
    this.#countedLocally = new Counter({
      name: 'face_sessions_rate_limit_counted_locally_total',
      help: 'Rate-limit decisions this process made on its own count, because the shared count (Redis, or the primary process) did not answer',
      labelNames: ['limit'],
      registers,
    });
    this.#sealed = new Gauge({
      name: 'face_sessions_stored_values',
      help:
        'Stored entries and links by the secret their outer layer needs, as last counted: current; previous (SEAL_SECRET_PREVIOUS, ' +
        'needed until npm run reseal has moved them); none (stored before the outer layer, re-sealed by npm run reseal); other (no configured secret opens them)',
      labelNames: ['sealed_under'],
      registers,
    });
    this.#cacheHits = new Counter({ name: 'face_sessions_cache_hits_total', help: 'Images found in the summary cache', registers });
    this.#cacheMisses = new Counter({ name: 'face_sessions_cache_misses_total', help: 'Images not in the summary cache', registers });
    this.#errors = new Counter({
      name: 'face_sessions_dependency_errors_total',
      help: 'Failures of storage, cache and encoder calls, by dependency and failure code',
      labelNames: ['dependency', 'code'],
      registers,
    });
  }

  watchEncoder(gauges: EncoderGauges): void {
    this.#gauge('face_sessions_encoder_queue_depth', 'Uploads admitted and waiting for the encoder', gauges.queueDepth);
    this.#gauge('face_sessions_encoder_in_flight', 'Images the encoder is working on', gauges.inFlight);
    this.#gauge(
      'face_sessions_encoder_expected_wait_seconds',
      'What a new upload would expect to wait for the encoder (shed above the budget)',
      () => gauges.expectedWaitMs() / 1000,
    );
  }

  watchUploads(gauges: { readonly inFlight: () => number; readonly bytesHeld: () => number }): void {
    this.#gauge('face_sessions_uploads_in_flight', 'Uploads being received, queued or encoded in this process', gauges.inFlight);
    this.#gauge('face_sessions_upload_bytes_held', 'Bytes reserved for the bodies of uploads in flight in this process', gauges.bytesHeld);
  }

  watchRedis(unreachableMasters: () => number): void {
    this.#gauge(
      'face_sessions_redis_masters_unreachable',
      'Redis masters (one for a single server) this instance cannot reach: their keys answer 503 until a replica takes over and the client follows; /ready says degraded',
      unreachableMasters,
    );
  }

  sealedCounted(counts: Readonly<Record<'current' | 'previous' | 'none' | 'other', number>>): void {
    for (const [sealedUnder, count] of Object.entries(counts)) this.#sealed.set({ sealed_under: sealedUnder }, count);
  }

  #gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.#registry],
      collect() {
        this.set(read());
      },
    });
  }

  requestEnded(labels: { method: string; route: string; status: number }, seconds: number): void {
    this.#requests.observe({ ...labels, status: String(labels.status) }, seconds);
  }

  sessionStarted(): void {
    this.#sessionsStarted.inc();
  }

  encoded(seconds: number, faces: number): void {
    this.#encodeSeconds.observe(seconds);
    this.#facesPerImage.observe(faces);
  }

  failed(seconds: number, code: string): void {
    this.#encodeSeconds.observe(seconds);
    // invalid_image or too_many_faces are verdicts on the photo, not the encoder failing.
    if (code.startsWith('encoder_') || code === 'unexpected') this.#errors.inc({ dependency: 'encoder', code });
  }

  shed(): void {
    this.#shed.inc();
  }

  abandoned(): void {
    this.#abandoned.inc();
  }

  rateLimited(limit: string): void {
    this.#rateLimited.inc({ limit });
  }

  rateLimitCountedLocally(limit: string): void {
    this.#countedLocally.inc({ limit });
  }

  cacheLookedUp(hits: number, misses: number): void {
    this.#cacheHits.inc(hits);
    this.#cacheMisses.inc(misses);
  }

  dependencyFailed(dependency: Dependency, code: string): void {
    this.#errors.inc({ dependency, code });
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  text(): Promise<string> {
    return this.#registry.metrics();
  }

  json(): Promise<object[]> {
    return this.#registry.getMetricsAsJSON();
  }

  /** Adds other processes' `json()`: an instance's one /metrics. */
  async textWith(others: readonly object[][]): Promise<string> {
    return AggregatorRegistry.aggregate([await this.json(), ...others]).metrics();
  }
}
