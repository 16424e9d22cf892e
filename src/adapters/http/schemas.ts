import { z } from 'zod';
import { failureCodes } from '../../domain/Failure.ts';

export const apiSchemas = z.registry<{ id: string; description?: string }>();

/** Response shapes keep the seed's fields; extras are optional, so a seed client ignores them. */
export const keyResponse = z.object({ key: z.uuid({ version: 'v4' }) }).register(apiSchemas, { id: 'SessionKey' });

const box = z
  .object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })
  .meta({ description: 'Where the face is, in pixels of the EXIF-oriented image.' });

const point = z.object({ x: z.number(), y: z.number() });

const face = z.object({
  encoding: z.array(z.number()).length(128).meta({ description: '128-number face encoding.' }),
  engine: z.string().optional().meta({
    description:
      'The engine that made the encoding (as `face-api-128/aligned-2026.12`). Encodings of different engines live in different spaces: compare and store them with it. Absent when the encoder does not say (a remote encoder other than this service\'s) and on faces stored before engines were named.',
  }),
  box: box.optional(),
  score: z.number().min(0).max(1).optional().meta({ description: 'How sure the detector is that this is a face.' }),
  landmarks: z
    .object({ left_eye: point, right_eye: point, nose_tip: point, mouth_left: point, mouth_right: point })
    .optional()
    .meta({ description: 'Eye centres, nose tip and mouth corners in image pixels; left and right as the image shows them with the face turned upright (so in a photo stored sideways, left_eye may be above right_eye).' }),
  pose: z
    .object({
      yaw: z.number().meta({ description: 'Degrees; turned towards the image\'s right is positive.' }),
      pitch: z.number().meta({ description: 'Degrees; chin up is positive.' }),
      roll: z.number().meta({ description: 'Degrees; tilted clockwise is positive.' }),
    })
    .optional(),
  quality: z
    .object({
      sharpness: z.number().min(0).max(1).meta({ description: 'Detail in the face (spread of its Laplacian), 0-1.' }),
      brightness: z.number().min(0).max(1).meta({ description: 'Mean brightness of the face, 0-1.' }),
      size: z.number().meta({ description: 'Face height in pixels as the encoder read the photo (at most 1280 px a side).' }),
      for_recognition: z.enum(['high', 'medium', 'low']).meta({ description: 'How much a match on this face can be trusted; the rule is in docs/face-engine.md.' }),
    })
    .optional(),
}).meta({ description: 'A face. Only `encoding` is always there: a remote encoder (ENCODER_URL) gives no box or detail.' });

export const imageEncodings = z
  .object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/).meta({ description: 'SHA-256 of the uploaded bytes.' }),
    faces: z.array(face),
  })
  .register(apiSchemas, { id: 'ImageEncodings' });

export const summaryResponse = z
  .object({ image_encodings: z.array(imageEncodings).meta({ description: 'In upload order.' }) })
  .register(apiSchemas, { id: 'Summary' });

const faceRef = z
  .object({ image: z.number().int().min(0), face: z.number().int().min(0) })
  .meta({ description: 'A face by position: the image in upload order, the face in that image.' });

const falseMatchRate = z
  .object({
    rate: z.number().meta({ description: 'The share of measured pairs of different people at most this far apart.' }),
    upper_bound: z.number().meta({ description: 'The rate is at most this, 95% sure (one-sided Clopper-Pearson; none of n pairs gives about 3/n).' }),
    impostor_pairs: z.number().int().meta({ description: 'The pairs of different people the rate rests on.' }),
  })
  .register(apiSchemas, { id: 'FalseMatchRate', description: 'How often different people are this close, measured on the development sets for this engine.' });

export const verificationResponse = z
  .object({
    threshold: z.number().meta({ description: 'Faces nearer than this are the same person: MATCH_THRESHOLD, or the one false_match_rate chose.' }),
    rates: z
      .object({
        engine: z.string().meta({ description: 'The engine the rates were measured for (a face\'s engine).' }),
        false_match_rate: falseMatchRate,
        false_non_match_rate: z
          .object({ rate: z.number(), upper_bound: z.number(), genuine_pairs: z.number().int() })
          .meta({ description: 'The share of measured pairs of one person farther apart than the threshold: what it misses.' }),
      })
      .nullable()
      .meta({ description: 'What the threshold gives, as measured; null when a face was made by another engine than the measured one.' }),
    same_person: z.boolean().nullable().meta({
      description:
        'true when one identity has a face in every image; false otherwise; null with fewer than two images, or when an image has no face good enough to compare (all its faces excluded).',
    }),
    identities: z
      .array(z.object({ faces: z.array(faceRef) }))
      .meta({ description: 'Faces grouped by complete linkage: every two faces of an identity are nearer than the threshold. Two faces of one image are never one identity.' }),
    distances: z
      .array(z.object({ a: faceRef, b: faceRef, distance: z.number(), false_match_rate: falseMatchRate.nullable() }))
      .meta({
        description:
          'Every pair of faces (excluded ones too), Euclidean distance between encodings, and how often different people are that near (null when a face was made by another engine than the measured one).',
      }),
    excluded: z
      .array(faceRef.extend({ reason: z.enum(['low_quality']) }))
      .meta({ description: 'Faces left out of identities and of the verdict: rated low for recognition (quality.for_recognition).' }),
  })
  .register(apiSchemas, { id: 'Verification' });

export const problemCodes = [
  ...failureCodes,
  'not_found',
  'method_not_allowed',
  'not_ready',
  'internal_error',
  'headers_too_large',
  'bad_request',
] as const;
export type ProblemCode = (typeof problemCodes)[number];

export const problem = z
  .object({
    type: z.string().meta({ description: '`urn:face-sessions:problem:` and the code.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: 'What went wrong with this request, for people.' }),
    code: z.enum(problemCodes).meta({ description: 'Stable and machine-readable: branch on this.' }),
    request_id: z.string().optional().meta({
      description:
        'The X-Request-Id of this request, which its log line carries too. Absent only when the request was refused before it was read (431 headers_too_large).',
    }),
  })
  .register(apiSchemas, { id: 'Problem', description: 'RFC 9457 problem details, as application/problem+json.' });

const checks = z.record(z.string(), z.string()).meta({
  description: 'Per dependency: "ok", "degraded" (it answers for part of its work: a Redis Cluster with a master unreachable) or "failed".',
});

export const readiness = z
  .object({
    status: z.enum(['ready', 'degraded', 'not_ready']).meta({ description: '"degraded": still serving; requests needing what is missing get 503 with Retry-After.' }),
    checks,
  })
  .register(apiSchemas, { id: 'Readiness' });

export const notReady = problem
  .extend({ checks })
  .register(apiSchemas, { id: 'NotReady', description: 'A not_ready problem, with each dependency\'s check.' });

export const liveness = z.object({ status: z.literal('ok') }).register(apiSchemas, { id: 'Liveness' });

/** One pair of surrounding quotes is dropped: the seed's README told clients to send the key in single quotes. */
export const apiKeyHeaders = z
  .object({ key: z.string().optional(), authorization: z.string().optional() })
  .transform(({ key, authorization }) => {
    const raw = key ?? /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
    return raw?.trim().replace(/^(['"])(.*)\1$/, '$2');
  });

export const uploadedFile = z.object({ buffer: z.instanceof(Buffer) }).optional();
