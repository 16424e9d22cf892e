import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

/** One answer as the service sent it. */
export interface Answer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The Content-Type without parameters; undefined without a body. */
  readonly type: string | undefined;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, unknown>>;
  /** Parsed JSON for a JSON type; for other types only its presence counts. */
  readonly body: unknown;
}

interface Response {
  readonly content?: Record<string, { schema?: object }>;
  readonly headers?: Record<string, { required?: boolean }>;
}
interface Document {
  readonly paths: Record<string, Record<string, { operationId: string; responses: Record<string, Response> }>>;
  readonly components: { readonly schemas: Record<string, object> };
}

const COMPONENTS = 'openapi-components.json';
/** What the router answers on a path or method the document does not list (SPEC: problem+json). */
const unlisted = (code: string): Response => ({
  content: { 'application/problem+json': { schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', required: ['code'], properties: { code: { const: code } } }] } } },
});
const NOT_FOUND = unlisted('not_found');
const METHOD_NOT_ALLOWED = unlisted('method_not_allowed');

/**
 * Checks answers against an OpenAPI 3.1 document: the path, method and status must be
 * listed, required headers sent, the Content-Type one the document names, and a JSON body
 * valid against its schema with every object closed (`unevaluatedProperties: false`), so
 * a field the document does not name fails too. The published document stays open:
 * clients must accept added fields, but the tests make sure each one gets described.
 * Returns what is wrong, one sentence each; nothing when the answer is described.
 */
export function answerCheck(document: Document): (answer: Answer) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
  ajvFormats.default(ajv);
  ajv.addSchema({ $id: COMPONENTS, $defs: Object.fromEntries(Object.entries(document.components.schemas).map(([id, schema]) => [id, closed(schema)])) });
  const validators = new Map<object, ValidateFunction>();
  const validatorOf = (schema: object) => validators.get(schema) ?? validators.set(schema, ajv.compile(closed(schema))).get(schema)!;
  const deref = <T>(node: T): T => {
    const ref = (node as { $ref?: string }).$ref;
    return ref === undefined ? node : deref(ref.slice(2).split('/').reduce((at: any, key) => at[key], document) as T);
  };
  const templates = Object.keys(document.paths).map((path) => ({ path, pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));

  return (answer) => {
    const method = answer.method === 'HEAD' ? 'get' : answer.method.toLowerCase();
    const template = templates.find(({ pattern }) => pattern.test(answer.path))?.path;
    const operation = template === undefined ? undefined : document.paths[template]![method];
    const name = `${answer.method} ${answer.path} → ${answer.status}${operation ? ` (${operation.operationId})` : ''}`;
    let response: Response | undefined;
    if (template === undefined) {
      if (answer.status !== 404) return [`${name}: the document has no path ${answer.path}`];
      response = NOT_FOUND;
    } else if (operation === undefined) {
      if (answer.status !== 405) return [`${name}: the document has no ${answer.method} ${template}`];
      response = METHOD_NOT_ALLOWED;
    } else {
      response = operation.responses[String(answer.status)];
      if (response === undefined) return [`${name}: status ${answer.status} is not listed (${Object.keys(operation.responses).join(', ')} are)`];
      response = deref(response);
    }
    const problems = Object.entries(response.headers ?? {})
      .filter(([header, spec]) => deref(spec).required && answer.headers[header.toLowerCase()] === undefined)
      .map(([header]) => `${name}: no ${header} header`);
    if (answer.method === 'HEAD') return problems;
    const media = response.content?.[answer.type ?? ''];
    if (!response.content) {
      if (answer.type !== undefined) problems.push(`${name}: a ${answer.type} body where the document lists none`);
    } else if (!media) {
      problems.push(`${name}: ${answer.type ?? 'no body'} where the document lists ${Object.keys(response.content).join(' or ')}`);
    } else if (media.schema && /[/+]json$/.test(answer.type!)) {
      const validate = validatorOf(media.schema);
      if (!validate(answer.body)) problems.push(...(validate.errors ?? []).map((error) => `${name}: ${describe(error)}`));
    }
    return problems;
  };
}

function describe(error: ErrorObject): string {
  const where = `body${error.instancePath}`;
  if (error.keyword === 'unevaluatedProperties') return `${where} has a field the document does not describe: "${(error.params as { unevaluatedProperty: string }).unevaluatedProperty}"`;
  return `${where} ${error.message}, not ${JSON.stringify(error.data)?.slice(0, 80)} (${error.schemaPath})`;
}

/**
 * A copy of `schema` in which every object schema is closed, and component references
 * point at the registered components. allOf branches stay open: the object around them
 * is closed, and sees every property its branches evaluate.
 */
function closed(schema: unknown, inAllOf = false): any {
  if (Array.isArray(schema)) return schema.map((item) => closed(item, inAllOf));
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref') copy[key] = (value as string).replace('#/components/schemas/', `${COMPONENTS}#/$defs/`);
    else if (key === 'allOf') copy[key] = (value as unknown[]).map((branch) => closed(branch, true));
    else if (key === 'properties') copy[key] = Object.fromEntries(Object.entries(value as object).map(([name, sub]) => [name, closed(sub)]));
    else copy[key] = closed(value);
  }
  const isObject = 'properties' in copy || 'allOf' in copy;
  if (isObject && !inAllOf && !('additionalProperties' in copy) && !('unevaluatedProperties' in copy)) return { type: 'object', ...copy, unevaluatedProperties: false };
  return copy;
}
