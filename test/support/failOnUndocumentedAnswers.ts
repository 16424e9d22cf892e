import { afterAll, afterEach } from 'vitest';
import { assertAnswersDocumented } from './checkAnswers.ts';

// Every test file: an answer the OpenAPI document does not describe fails the test that got it.
afterEach(assertAnswersDocumented);
afterAll(assertAnswersDocumented);
