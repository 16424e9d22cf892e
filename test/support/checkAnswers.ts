import type { Context, Middleware } from 'koa';
import { type Answer, answerCheck } from './answerCheck.ts';

const violations: string[] = [];
/** Compiled checks by document text: apps of one test file mostly serve the same document (~0.2 s to compile). */
const checks = new Map<string, (answer: Answer) => string[]>();

/**
 * Fails the running test when an answer since the last call was one the OpenAPI document
 * does not describe. The setup file calls it after every test (and after each file's
 * afterAll hooks), so no HTTP test can forget the check.
 */
export function assertAnswersDocumented(): void {
  const found = violations.splice(0);
  if (found.length === 0) return;
  throw new Error(
    `${found.length} answer(s) the OpenAPI document (GET /openapi.json, docs/openapi.json) does not describe:\n` +
      `${found.map((line) => `  - ${line}`).join('\n')}\n` +
      'Describe the answer in src/adapters/http/openapi.ts or schemas.ts and run `npm run openapi`, or fix the code.',
  );
}

/**
 * A test-only outermost middleware for the app under test: every answer it gives is
 * checked against `document` (the app's own /openapi.json, handed over once read).
 */
export function checkAnswers(): { readonly middleware: Middleware; use(document: object): void } {
  let check: ((answer: Answer) => string[]) | undefined;
  return {
    use(document) {
      const text = JSON.stringify(document);
      check = checks.get(text) ?? checks.set(text, answerCheck(document as Parameters<typeof answerCheck>[0])).get(text)!;
    },
    middleware: async function checkAnswer(ctx, next) {
      try {
        await next();
      } catch (error) {
        violations.push(`${ctx.method} ${ctx.path} threw past every middleware (Koa would answer a bare text/plain 500): ${String(error)}`);
        throw error;
      }
      // A client that hung up receives nothing (the log says 499): there is no answer to check.
      if (check && !ctx.res.destroyed) violations.push(...check(answerOf(ctx)));
    },
  };
}

function answerOf(ctx: Context): Answer {
  const type = ctx.body === null || ctx.body === undefined ? undefined : ctx.response.type || undefined;
  const json = type !== undefined && /[/+]json$/.test(type);
  return { method: ctx.method, path: ctx.path, status: ctx.status, type, headers: ctx.response.headers, body: json ? parsed(ctx.body) : ctx.body };
}

/** The body as a client parses it: Koa serialises objects, Buffers and strings are sent as they are. */
function parsed(body: unknown): unknown {
  try {
    return JSON.parse(Buffer.isBuffer(body) || typeof body === 'string' ? String(body) : JSON.stringify(body));
  } catch {
    return Symbol('not JSON');
  }
}
