/** A multipart/form-data body with `bytes` as its `file` part, as a browser sends an upload. */
export function multipart(bytes: Buffer): { body: Buffer; contentType: string } {
  const boundary = 'benchboundary7MA4YWxkTrZu0gW';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}
