import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpFaceEncoder } from '../../../src/adapters/encoder/HttpFaceEncoder.ts';

type Reply = (request: http.IncomingMessage, response: http.ServerResponse) => void;

interface Received {
  readonly method: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

interface Scripted {
  readonly url: string;
  /** The requests received, in order. */
  readonly requests: Received[];
}

const servers: http.Server[] = [];
const encoders: HttpFaceEncoder[] = [];

afterEach(async () => {
  await Promise.all(encoders.splice(0).map((encoder) => encoder.close()));
  await Promise.all(
    servers.splice(0).map(async (server) => {
      // Also ends the never-answering server's open requests, so the process can exit.
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    }),
  );
});

/** A server on a free loopback port that answers the n-th request with the n-th reply (the last one repeats). */
async function scripted(...replies: Reply[]): Promise<Scripted> {
  const requests: Received[] = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    requests.push({ method: request.method, contentType: request.headers['content-type'], body: Buffer.concat(chunks) });
    const reply = replies[Math.min(requests.length, replies.length) - 1];
    reply?.(request, response);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/selfie`, requests };
}

/** A URL whose port was open a moment ago and is now closed, so connecting is refused. */
async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}/v1/selfie`;
}

function encoder(url: string, timeoutMs = 5_000): HttpFaceEncoder {
  const created = new HttpFaceEncoder({ url, timeoutMs });
  encoders.push(created);
  return created;
}

const json =
  (status: number, payload: unknown, headers: Record<string, string> = {}): Reply =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
  };

const vector = (seed: number, length = 128): number[] => Array.from({ length }, (_, i) => Math.sin(seed + i) / 3);
const image = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3, 0x0d, 0x0a, 250, 251, 0xff, 0xd9]);

describe('HttpFaceEncoder against a scripted encoder', () => {
  it('returns one face per vector and sends the bytes as the multipart field "file"', async () => {
    const vectors = [vector(1), vector(2)];
    const server = await scripted(json(200, vectors));

    const faces = await encoder(server.url).encode(image);

    expect(faces).toEqual(vectors.map((encoding) => ({ encoding })));
    expect(server.requests).toHaveLength(1);
    const { method, contentType, body } = server.requests[0]!;
    expect(method).toBe('POST');
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(contentType ?? '')?.[1];
    expect(boundary).toBeDefined();
    const part = body.toString('latin1').split(`--${boundary}`)[1] ?? '';
    expect(part).toContain('name="file"');
    // The part's content is exactly the image: it runs from the blank line to the CRLF before the next boundary.
    expect(Buffer.from(part.slice(part.indexOf('\r\n\r\n') + 4, -2), 'latin1')).toEqual(Buffer.from(image));
  });

  it('returns no face for []', async () => {
    const server = await scripted(json(200, []));
    await expect(encoder(server.url).encode(image)).resolves.toEqual([]);
  });

  it('maps 400 to too_many_faces with the encoder detail', async () => {
    const server = await scripted(json(400, { detail: 'More than 5 faces' }));
    await expect(encoder(server.url).encode(image)).rejects.toMatchObject({
      code: 'too_many_faces',
      message: 'More than 5 faces',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('reports a refused encoder as encoder_unavailable within a few seconds, after retrying', async () => {
    const url = await refusedUrl();
    const started = performance.now();
    const failure = encoder(url).encode(image);
    await expect(failure).rejects.toMatchObject({ code: 'encoder_unavailable', cause: { code: 'ECONNREFUSED' } });
    const elapsed = performance.now() - started;
    await expect(failure).rejects.not.toHaveProperty('message', expect.stringContaining('127.0.0.1'));
    // Two retries wait at least 100 + 200 ms; the upper bound is on the retry budget, not a performance test.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('retries a connection the encoder dropped', async () => {
    const server = await scripted((request) => request.socket.destroy(), json(200, [vector(8)]));
    await expect(encoder(server.url).encode(image)).resolves.toEqual([{ encoding: vector(8) }]);
    expect(server.requests).toHaveLength(2);
  });

  it('reports a silent encoder as encoder_timeout after one attempt', async () => {
    const server = await scripted(() => {
      // Never answers.
    });
    const started = performance.now();
    await expect(encoder(server.url, 300).encode(image)).rejects.toMatchObject({ code: 'encoder_timeout' });
    expect(performance.now() - started).toBeLessThan(3_000);
    // Give a (wrong) retry the time to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.requests).toHaveLength(1);
  });

  it('retries 503 and succeeds when the encoder recovers', async () => {
    const server = await scripted(json(503, { detail: 'busy' }), json(503, { detail: 'busy' }), json(200, [vector(3)]));
    await expect(encoder(server.url).encode(image)).resolves.toEqual([{ encoding: vector(3) }]);
    expect(server.requests).toHaveLength(3);
    // Each retry sent the whole image again.
    for (const { body } of server.requests) expect(body.includes(Buffer.from(image))).toBe(true);
  });

  it('maps a lasting 503 to encoder_unavailable after a bounded number of attempts', async () => {
    const server = await scripted(json(503, { detail: 'busy' }));
    const failure = encoder(server.url).encode(image);
    await expect(failure).rejects.toMatchObject({ code: 'encoder_unavailable', retryAfterSeconds: expect.any(Number) });
    expect(server.requests).toHaveLength(3);
  });

  it("passes on a 503's long Retry-After instead of waiting for it", async () => {
    const server = await scripted(json(503, { detail: 'busy' }, { 'retry-after': '7' }));
    await expect(encoder(server.url).encode(image)).rejects.toMatchObject({
      code: 'encoder_unavailable',
      retryAfterSeconds: 7,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('maps 500 to encoder_bad_response without retrying', async () => {
    const server = await scripted(json(500, { detail: 'boom' }));
    await expect(encoder(server.url).encode(image)).rejects.toMatchObject({ code: 'encoder_bad_response' });
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['garbage JSON', 'not json{'],
    ['a 127-number vector', [vector(4, 127)]],
    ['a vector with a string', [[...vector(5, 127), '0.5']]],
    ['an object', { faces: [vector(6)] }],
    ['a flat vector', vector(7)],
  ])('maps %s to encoder_bad_response', async (_name, payload) => {
    const server = await scripted(json(200, payload));
    await expect(encoder(server.url).encode(image)).rejects.toMatchObject({ code: 'encoder_bad_response' });
    expect(server.requests).toHaveLength(1);
  });

  it('pings an encoder that answers anything, even 404', async () => {
    const server = await scripted(json(404, { detail: 'Not Found' }));
    await expect(encoder(server.url).ping()).resolves.toBeUndefined();
  });

  it('fails ping against a refused port', async () => {
    await expect(encoder(await refusedUrl()).ping()).rejects.toMatchObject({ code: 'encoder_unavailable' });
  });
});
