import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreakingFaceEncoder } from '../../../src/adapters/encoder/CircuitBreakingFaceEncoder.ts';
import { HttpFaceEncoder } from '../../../src/adapters/encoder/HttpFaceEncoder.ts';

const vector = JSON.stringify([Array.from({ length: 128 }, () => 0.1)]);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A real HTTP encoder whose health the test switches, counting the calls that reach it. */
async function switchableEncoder() {
  const state = { healthy: false, calls: 0 };
  const server = http.createServer((request, response) => {
    state.calls += 1;
    request.resume();
    request.on('end', () => (state.healthy ? response.writeHead(200).end(vector) : response.writeHead(500).end('down')));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const encoder = new CircuitBreakingFaceEncoder(
    new HttpFaceEncoder({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/selfie`, timeoutMs: 1000 }),
    { minimumCalls: 4, failurePercentage: 50, coolDownMs: 400, windowMs: 10_000 },
  );
  cleanups.push(async () => {
    await encoder.close();
    server.closeAllConnections();
    server.close();
  });
  return { state, encoder };
}

const image = Buffer.from('image bytes');

describe('CircuitBreakingFaceEncoder', () => {
  it('fails fast with encoder_unavailable and a Retry-After once the encoder keeps failing, without calling it', async () => {
    const { state, encoder } = await switchableEncoder();
    for (let n = 0; n < 4; n++) await expect(encoder.encode(image)).rejects.toMatchObject({ code: 'encoder_bad_response' });
    const callsWhenOpened = state.calls;

    for (let n = 0; n < 5; n++) {
      await expect(encoder.encode(image)).rejects.toMatchObject({ code: 'encoder_unavailable', retryAfterSeconds: 1 });
    }
    expect(state.calls).toBe(callsWhenOpened);
  });

  it('lets one probe through after the cool-down and closes again when it succeeds', async () => {
    const { state, encoder } = await switchableEncoder();
    for (let n = 0; n < 4; n++) await expect(encoder.encode(image)).rejects.toMatchObject({ code: 'encoder_bad_response' });
    await expect(encoder.encode(image)).rejects.toMatchObject({ code: 'encoder_unavailable' });

    state.healthy = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await encoder.encode(image)).toHaveLength(1);
    expect(await encoder.encode(image)).toHaveLength(1);
  });

  it('does not count answers about the image (too many faces) as encoder failures', async () => {
    const server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(400).end('{"detail":"More than 5 faces"}'));
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const encoder = new CircuitBreakingFaceEncoder(
      new HttpFaceEncoder({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, timeoutMs: 1000 }),
      { minimumCalls: 2, failurePercentage: 50, coolDownMs: 10_000, windowMs: 10_000 },
    );
    cleanups.push(async () => {
      await encoder.close();
      server.close();
    });
    for (let n = 0; n < 6; n++) await expect(encoder.encode(image)).rejects.toMatchObject({ code: 'too_many_faces' });
  });
});
