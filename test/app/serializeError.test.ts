import { describe, expect, it } from 'vitest';
import { Failure } from '../../src/domain/Failure.ts';
import { serializeError, withoutCredentials } from '../../src/app/serializeError.ts';

describe('serializeError', () => {
  it('keeps type, message, codes and causes, and drops every other field an error carries', () => {
    const request = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), {
      code: 'ECONNREFUSED',
      options: { url: 'http://user:pass@encoder/v1/selfie', headers: { authorization: 'Bearer token' }, body: new Uint8Array([255, 216, 255]) },
      response: { body: 'anything' },
    });
    const failure = new Failure('encoder_unavailable', 'The face encoder cannot be reached.', { cause: request, retryAfterSeconds: 2 });
    const serialized = serializeError(failure);
    expect(serialized).toMatchObject({
      type: 'Failure',
      message: 'The face encoder cannot be reached.',
      code: 'encoder_unavailable',
      retryAfterSeconds: 2,
      cause: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:8000', code: 'ECONNREFUSED' },
    });
    const text = JSON.stringify(serialized);
    for (const gone of ['options', 'response', 'pass', 'token', '255,216']) expect(text).not.toContain(gone);
  });

  it('cuts credentials and query strings from URLs anywhere in a message or stack', () => {
    const error = new Error('cannot reach rediss://admin:s3cret@redis.internal:6380/2 or http://encoder:8000/v1/selfie?token=abc&x=1 now');
    const serialized = serializeError(error) as { message: string; stack: string };
    expect(serialized.message).toBe('cannot reach rediss://[redacted]@redis.internal:6380/2 or http://encoder:8000/v1/selfie?[redacted] now');
    expect(serialized.stack).not.toMatch(/s3cret|token=abc/);
  });

  it('serializes what is thrown without being an Error as text, and the errors of an AggregateError', () => {
    expect(serializeError('failed at http://u:p@host/')).toBe('failed at http://[redacted]@host/');
    expect(serializeError({ password: 'x' })).toBe('[object Object]');
    const aggregate = new AggregateError([new Error('node a'), new Error('node b')], 'every node failed');
    expect(serializeError(aggregate)).toMatchObject({ errors: [{ message: 'node a' }, { message: 'node b' }] });
  });

  it('leaves text without URLs alone', () => {
    expect(withoutCredentials('Timeout awaiting \'request\' for 300ms')).toBe('Timeout awaiting \'request\' for 300ms');
  });
});
