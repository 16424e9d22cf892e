import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../src/adapters/metrics/PrometheusMetrics.ts';
import { observeFailures } from '../../src/adapters/observeFailures.ts';
import { Failure } from '../../src/domain/Failure.ts';

describe('storage failures in the metrics', () => {
  it('counts each Failure a wrapped store throws or rejects with by its code, and passes everything through', async () => {
    const metrics = new PrometheusMetrics();
    class Store {
      readonly #up = false;
      async listImages(): Promise<string[]> {
        if (!this.#up) throw new Failure('storage_unavailable', 'down');
        return [];
      }
      createSession(): void {
        throw new Failure('storage_unavailable', 'down');
      }
      async ping(): Promise<string> {
        return 'pong';
      }
      async broken(): Promise<void> {
        throw new TypeError('a bug, not a Failure');
      }
    }
    const store = observeFailures(new Store(), (code) => metrics.dependencyFailed('storage', code));
    await expect(store.listImages()).rejects.toMatchObject({ code: 'storage_unavailable' });
    expect(() => store.createSession()).toThrow(Failure);
    await expect(store.broken()).rejects.toBeInstanceOf(TypeError);
    expect(await store.ping()).toBe('pong');
    expect(await metrics.text()).toContain('face_sessions_dependency_errors_total{dependency="storage",code="storage_unavailable"} 2');
  });

  it('counts encoder failures but not verdicts on the photo', async () => {
    const metrics = new PrometheusMetrics();
    metrics.failed(0.1, 'encoder_timeout');
    metrics.failed(0.1, 'invalid_image');
    const text = await metrics.text();
    expect(text).toContain('face_sessions_dependency_errors_total{dependency="encoder",code="encoder_timeout"} 1');
    expect(text).not.toContain('code="invalid_image"');
    expect(text).toContain('face_sessions_encode_duration_seconds_count 2');
  });
});
