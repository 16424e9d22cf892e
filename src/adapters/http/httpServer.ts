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
  const server = http.createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: 10_000, requestTimeout: 60_000 },
    app.callback(),
  );
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
