/** Fields of an error that say what went wrong and never carry a request: codes and numbers. */
const KEPT_FIELDS = ['code', 'errno', 'syscall', 'statusCode', 'retryAfterSeconds'] as const;
/** How deep a chain of causes is followed: a Failure, got's error, the socket's error. */
const MAX_DEPTH = 4;

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  cause?: SerializedError | string;
  errors?: (SerializedError | string)[];
  [field: string]: unknown;
}

/** pino's `err` serializer: an allow-list, since pino's own copies every field and got's errors hold the whole request (URL password, token header, image body). */
export function serializeError(value: unknown, depth = 0): SerializedError | string {
  if (!(value instanceof Error)) return withoutCredentials(typeof value === 'string' ? value : safeString(value));
  const serialized: SerializedError = { type: value.constructor.name, message: withoutCredentials(value.message) };
  if (value.stack !== undefined) serialized.stack = withoutCredentials(value.stack);
  for (const field of KEPT_FIELDS) {
    const kept: unknown = (value as unknown as Record<string, unknown>)[field];
    if (typeof kept === 'number') serialized[field] = kept;
    if (typeof kept === 'string') serialized[field] = withoutCredentials(kept);
  }
  if (depth < MAX_DEPTH && value.cause !== undefined) serialized.cause = serializeError(value.cause, depth + 1);
  if (depth < MAX_DEPTH && value instanceof AggregateError) {
    serialized.errors = (value.errors as unknown[]).slice(0, 5).map((inner) => serializeError(inner, depth + 1));
  }
  return serialized;
}

/** `scheme://user:pass@host/path?query` becomes `scheme://[redacted]@host/path?[redacted]`, wherever it appears in `text`. */
export function withoutCredentials(text: string): string {
  return text
    .replace(/\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#@]*@/gi, '$1[redacted]@')
    .replace(/\b([a-z][a-z\d+.-]*:\/\/[^\s?#]*)\?[^\s#"'`]*/gi, '$1?[redacted]');
}

/** Its text, never its fields (they could be anything). */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}
