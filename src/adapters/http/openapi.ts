import { z } from 'zod';
import { apiSchemas } from './schemas.ts';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ 'application/json': { schema: ref(id) } });
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const keyHeader = [
  { name: 'key', in: 'header', required: false, schema: { type: 'string', format: 'uuid' }, description: 'API key from /session (or send Authorization: Bearer <key>).' },
];
const errors = (...entries: [number, string][]) =>
  Object.fromEntries(entries.map(([status, description]) => [String(status), problemResponse(description)]));

/** The OpenAPI 3.1 document, its schemas generated from the same zod schemas the API answers with. */
export function openApiDocument(limits: { sessionImageLimit: number; maxFaces: number; maxUploadBytes: number }) {
  const createSession = {
    summary: 'Start a session',
    responses: { '200': { description: 'New API key', content: json('SessionKey') }, ...errors([429, 'rate_limited']) },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Face encoding sessions',
      version: '1.0.0',
      description: `Start a session, upload up to ${limits.sessionImageLimit} images (one per request, at most ${limits.maxUploadBytes} bytes, 1 to ${limits.maxFaces} faces each), read the summary of their 128-number face encodings, clear it. Images are never stored: only their SHA-256 and encodings. Every error is application/problem+json with a stable \`code\`.`,
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        key: { type: 'apiKey', in: 'header', name: 'key' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
    paths: {
      '/ping': { get: { summary: 'Liveness', responses: { '200': { description: 'The process is serving' } } } },
      '/ready': {
        get: {
          summary: 'Readiness: storage, cache and encoder answer',
          responses: { '200': { description: 'Ready', content: json('Readiness') }, '503': problemResponse('not_ready, with the failed checks') },
        },
      },
      '/session': {
        get: { ...createSession, description: 'Kept for seed clients; prefer POST.' },
        post: { ...createSession, responses: { ...createSession.responses, '201': createSession.responses['200'] } },
        delete: {
          summary: 'Clear the session: its images and encodings go, the key stays valid',
          security: [{ key: [] }, { bearer: [] }],
          parameters: keyHeader,
          responses: { '204': { description: 'Cleared' }, ...errors([401, 'unauthorized'], [429, 'rate_limited']) },
        },
      },
      '/encode': {
        post: {
          summary: 'Upload one image and get its faces',
          description: 'The same bytes again return the same result without using another slot.',
          security: [{ key: [] }, { bearer: [] }],
          parameters: keyHeader,
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
              },
            },
          },
          responses: {
            '200': { description: 'The faces found in this image', content: json('ImageEncodings') },
            ...errors(
              [400, 'missing_file, invalid_image, no_face or too_many_faces'],
              [401, 'unauthorized'],
              [403, 'session_full'],
              [413, 'file_too_large'],
              [415, 'unsupported_media_type'],
              [429, 'rate_limited'],
              [502, 'encoder_bad_response'],
              [503, 'encoder_unavailable or storage_unavailable'],
              [504, 'encoder_timeout'],
            ),
          },
        },
      },
      '/verification': {
        get: {
          summary: 'Is it one person across the session?',
          description:
            'Computed from the stored encodings (no re-encoding). Faces rated low for recognition are excluded and listed; an image left with no face to compare makes same_person null.',
          security: [{ key: [] }, { bearer: [] }],
          parameters: keyHeader,
          responses: { '200': { description: 'Identities, distances and the verdict', content: json('Verification') }, ...errors([401, 'unauthorized'], [429, 'rate_limited']) },
        },
      },
      '/summary': {
        get: {
          summary: 'Every encoding in the session, in upload order',
          security: [{ key: [] }, { bearer: [] }],
          parameters: keyHeader,
          responses: { '200': { description: 'Summary', content: json('Summary') }, ...errors([401, 'unauthorized'], [429, 'rate_limited']) },
        },
      },
    },
  };
}

/**
 * io 'input' leaves out `additionalProperties: false`: responses may gain fields
 * (SPEC.md). `$id`/`$schema` go: inside an OpenAPI document they are implied.
 */
function componentSchemas(): Record<string, object> {
  const { schemas } = z.toJSONSchema(apiSchemas, { io: 'input', uri: (id) => ref(id).$ref });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $id, $schema, ...schema }]) => [id, schema]));
}
