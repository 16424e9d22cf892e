import http from 'node:http';
import type { Socket } from 'node:net';
import type Koa from 'koa';

/** Total size of a request's headers; a key is 36 characters, nothing legitimate needs more. */
const MAX_HEADER_BYTES = 8 * 1024;

export function createHttpServer(app: Koa): http.Server {
  const handle = app.callback();
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: 10_000, requestTimeout: 60_000 }, handle);
  // Node would answer `Expect: 100-continue` at once, inviting the body before the key is checked: continueUpload does it later.
  server.on('checkContinue', (request: http.IncomingMessage, response: http.ServerResponse) => {
    awaitingContinue.add(response);
    void handle(request, response);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') return socket.destroy();
    const [status, code, title] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'Request headers too large']
        : [400, 'bad_request', 'Malformed HTTP request'];
    const body = JSON.stringify({ type: `urn:face-sessions:problem:${code}`, title, status, detail: `${title}.`, code });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

const awaitingContinue = new WeakSet<http.ServerResponse>();

/** Call once the request passed every check before its body; a request answered earlier never gets a 100. */
export function continueUpload(response: http.ServerResponse): void {
  if (!awaitingContinue.delete(response)) return;
  response.writeContinue();
}
