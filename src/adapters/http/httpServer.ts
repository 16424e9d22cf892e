import http from 'node:http';
import type { Socket } from 'node:net';
import type Koa from 'koa';

/** Total size of a request's headers; a key is 36 characters, nothing legitimate needs more. */
const MAX_HEADER_BYTES = 8 * 1024;

/**
 * The Node server for a Koa app, with bounded headers and timeouts. Requests Node
 * refuses before Koa sees them (oversized headers, malformed HTTP) still get a
 * problem+json answer instead of Node's bare one.
 */
export function createHttpServer(app: Koa): http.Server {
  const handle = app.callback();
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: 10_000, requestTimeout: 60_000 }, handle);
  // Node would answer `Expect: 100-continue` at once, inviting the body before the app has
  // checked the key; the app sends 100 Continue itself, once it reads the body (continueUpload).
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

/**
 * Invites the body of a request that asked to be told to send it (`Expect: 100-continue`):
 * called by whatever reads a body, after the request passed every check before it. A
 * request answered before that gets its final status and never a 100.
 */
export function continueUpload(response: http.ServerResponse): void {
  if (!awaitingContinue.delete(response)) return;
  response.writeContinue();
}
