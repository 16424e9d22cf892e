import { z } from 'zod';
import { apiSchemas, type ProblemCode } from './schemas.ts';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const shared = (id: string) => ({ $ref: `#/components/responses/${id}` });
const json = (description: string, id: string) => ({ description, content: { 'application/json': { schema: ref(id) } } });
const text = (description: string, type: string) => ({ description, content: { [type]: { schema: { type: 'string' } } } });
const retryAfter = (required: boolean) => ({ 'Retry-After': { $ref: `#/components/headers/${required ? 'RetryAfter' : 'RetryAfterMaybe'}` } });

function problem(description: string, codes: ProblemCode[], headers?: object) {
  const schema = { allOf: [ref('Problem'), { type: 'object', required: ['code'], properties: { code: { enum: codes } } }] };
  return { description, ...(headers && { headers }), content: { 'application/problem+json': { schema } } };
}

const KEYED = [{ key: [] }, { bearer: [] }];
const anyRequest = { '431': shared('HeadersTooLarge'), '500': shared('InternalError') };
// Routes the router serves: a request carrying a key counts against that key's rate limit.
const routed = { '429': shared('RateLimited'), ...anyRequest };
const withKey = { '401': shared('Unauthorized'), '503': shared('StorageUnavailable'), ...routed };

type Responses = Record<string, object>;
const operation = (operationId: string, tag: string, summary: string, responses: Responses, more: object = {}) => ({
  operationId,
  tags: [tag],
  summary,
  security: [],
  ...more,
  responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
});
const keyed = (operationId: string, tag: string, summary: string, responses: Responses, more: object = {}) =>
  operation(operationId, tag, summary, { ...withKey, ...responses }, { security: KEYED, ...more });
const asset = (operationId: string, summary: string, names: string[], types: string[]) => ({
  get: operation(operationId, 'Pages', summary, {
    '200': { description: 'The file', content: Object.fromEntries(types.map((type) => [type, { schema: { type: 'string' } }])) },
    '404': shared('NotFound'),
    ...anyRequest,
  }, { parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: names } }] }),
});

/** What this port serves (/metrics has its own), its schemas generated from the zod schemas the API answers with. */
export function openApiDocument(limits: { sessionImageLimit: number; maxFaces: number; maxUploadBytes: number }) {
  const startSession = (operationId: string, status: string, more: object = {}) =>
    operation(operationId, 'Sessions', 'Start a session', {
      [status]: json('A new session and its API key', 'SessionKey'),
      '503': shared('StorageUnavailable'),
      ...routed,
    }, more);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Face encoding sessions',
      version: '1.0.0',
      description: `Start a session, upload up to ${limits.sessionImageLimit} images (one per request, at most ${limits.maxUploadBytes} bytes, 1 to ${limits.maxFaces} faces each), read the summary of their 128-number face encodings, ask whether they show one person, clear it. Images are never stored: only their SHA-256 and encodings.

Every error is application/problem+json with a stable \`code\`; besides the answers each operation lists, a path not listed here is answered 404 \`not_found\` and a method not listed 405 \`method_not_allowed\`. Every answer to a request the service reads carries an X-Request-Id. Fields may be added to a response object, never removed or renamed.`,
      license: { name: 'Proprietary: not licensed for use outside its owners', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'The service that serves this document' }],
    tags: [
      { name: 'Sessions', description: 'A session holds the faces of up to five images; its API key is the only way to them.' },
      { name: 'Faces', description: 'Upload images, read their faces, compare them.' },
      { name: 'Service', description: 'Health, for operators and load balancers.' },
      { name: 'Pages', description: 'What people and browsers load: the page at /, the API reference at /docs.' },
    ],
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        key: { type: 'apiKey', in: 'header', name: 'key', description: 'The API key from POST /session (the seed\'s header).' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'UUID', description: 'The same key as `Authorization: Bearer <key>`.' },
      },
      headers: {
        RetryAfter: { description: 'Seconds to wait before trying again.', required: true, schema: { type: 'integer', minimum: 1 } },
        RetryAfterMaybe: { description: 'Seconds to wait before trying again, when known.', schema: { type: 'integer', minimum: 1 } },
      },
      responses: {
        Unauthorized: problem('unauthorized: the key is missing, malformed or unknown (a session idle past its TTL is deleted)', ['unauthorized']),
        RateLimited: problem('rate_limited: too many sessions from this address, or requests with this key', ['rate_limited'], retryAfter(true)),
        StorageUnavailable: problem('storage_unavailable: storage or cache did not answer', ['storage_unavailable'], retryAfter(false)),
        NotFound: problem('not_found: no such file', ['not_found']),
        HeadersTooLarge: problem('headers_too_large: the request headers are over 8 KiB (refused before it is read: no request_id)', ['headers_too_large']),
        InternalError: problem('internal_error: something unexpected broke; request_id finds it in the logs', ['internal_error']),
      },
    },
    paths: {
      '/session': {
        post: startSession('startSession', '201'),
        get: startSession('startSessionWithGet', '200', { deprecated: true, description: 'The seed\'s way, kept so its clients keep working; use POST.' }),
        delete: keyed('clearSession', 'Sessions', 'Clear the session: its images and encodings go, the key stays valid', { '204': { description: 'Cleared' } }),
      },
      '/encode': {
        post: keyed('encodeImage', 'Faces', 'Upload one image and get its faces', {
          '200': json('The faces found in this image', 'ImageEncodings'),
          '400': problem('missing_file, invalid_image, no_face or too_many_faces: the image took no slot', ['missing_file', 'invalid_image', 'no_face', 'too_many_faces']),
          '403': problem(`session_full: the session already holds ${limits.sessionImageLimit} images`, ['session_full']),
          '413': problem('file_too_large: over the byte or the pixel limit', ['file_too_large']),
          '415': problem('unsupported_media_type: an image format this service does not decode', ['unsupported_media_type']),
          '502': problem('encoder_bad_response: the face encoder answered something unreadable', ['encoder_bad_response']),
          '503': problem('encoder_unavailable (busy or unreachable) or storage_unavailable', ['encoder_unavailable', 'storage_unavailable'], retryAfter(false)),
          '504': problem('encoder_timeout: the face encoder did not answer in time', ['encoder_timeout']),
        }, {
          description: 'The same bytes again return the same result without using another slot.',
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'One image; its format is read from its bytes.' } } },
              },
            },
          },
        }),
      },
      '/summary': {
        get: keyed('getSummary', 'Faces', 'Every encoding in the session, in upload order', { '200': json('Summary', 'Summary') }),
      },
      '/verification': {
        get: keyed(
          'verifySession',
          'Faces',
          'Is it one person across the session?',
          {
            '200': json('Identities, distances and the verdict', 'Verification'),
            '400': problem('invalid_parameter (false_match_rate is no rate) or false_match_rate_unsupported (smaller than the measurements can vouch for; the detail says the smallest)', ['invalid_parameter', 'false_match_rate_unsupported']),
          },
          {
            description:
              'Computed from the stored encodings (no re-encoding). Faces rated low for recognition are excluded and listed; an image left with no face to compare makes same_person null. Every distance carries the false match rate measured at it.',
            parameters: [
              {
                name: 'false_match_rate',
                in: 'query',
                required: false,
                description:
                  'The share of pairs of different people you accept being called the same person, such as 0.001. The threshold is then the loosest whose measured rate, 95% upper bound included, stays within it; without it, MATCH_THRESHOLD.',
                schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
              },
            ],
          },
        ),
      },
      '/ping': { get: operation('ping', 'Service', 'Liveness: the process is serving', { '200': json('Serving', 'Liveness'), ...routed }) },
      '/ready': {
        get: operation('ready', 'Service', 'Readiness: storage, cache and encoder answer', {
          '200': json('Ready', 'Readiness'),
          '503': { description: 'not_ready: shutting down, or a check failed', content: { 'application/problem+json': { schema: ref('NotReady') } } },
          ...routed,
        }),
      },
      '/openapi.json': {
        get: operation('getOpenApiDocument', 'Pages', 'This document', {
          '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
          ...routed,
        }),
      },
      '/docs': { get: operation('getDocs', 'Pages', 'Swagger UI for this document', { '200': text('HTML', 'text/html'), ...anyRequest }) },
      '/docs/{asset}': asset('getDocsAsset', 'A file of Swagger UI', ['init.js', 'swagger-ui.css', 'swagger-ui-bundle.js'], ['text/javascript', 'text/css']),
      '/': { get: operation('getPage', 'Pages', 'The page for people: drop photos, see who is who', { '200': text('HTML', 'text/html'), ...anyRequest }) },
      '/page/{asset}': asset('getPageAsset', 'A file of the page', ['page.js', 'page.css', 'icon.svg'], ['text/javascript', 'text/css', 'image/svg+xml']),
      '/favicon.ico': { get: operation('getFavicon', 'Pages', 'The icon browsers ask for', { '200': text('An icon', 'image/x-icon'), ...anyRequest }) },
    },
  };
}

/** io 'input' leaves out `additionalProperties: false`, as responses may gain fields (SPEC.md). */
function componentSchemas(): Record<string, object> {
  const { schemas } = z.toJSONSchema(apiSchemas, { io: 'input', uri: (id) => ref(id).$ref });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $id, $schema, ...schema }]) => [id, schema]));
}
