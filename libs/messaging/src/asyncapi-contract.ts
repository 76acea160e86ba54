import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Checks published messages against the committed AsyncAPI document (asyncapi.json at the
 * repository root). The JSON Schema subset used there is checked by hand (type, required,
 * properties, additionalProperties: false, enum, const, items, oneOf, allOf, local $ref,
 * minLength, pattern, format date-time): enough for the contract, no schema library needed.
 */

type Schema = Record<string, unknown>;

export interface AsyncApiDocument {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  components: { messages: Record<string, { name: string; payload: Schema }>; schemas: Record<string, Schema> };
}

/** asyncapi.json of the repository: the nearest one above this file (from src/ or dist/). */
export function asyncApiPath(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'asyncapi.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`asyncapi.json not found above ${start}`);
  }
}

export function loadAsyncApi(path: string = asyncApiPath()): AsyncApiDocument {
  return JSON.parse(readFileSync(path, 'utf8')) as AsyncApiDocument;
}

/** Message name → payload schema, for every message of the document. */
export function messageSchemas(doc: AsyncApiDocument): Map<string, Schema> {
  return new Map(Object.values(doc.components.messages).map((message) => [message.name, message.payload]));
}

/**
 * Errors of one structured-mode CloudEvent (the parsed record value) against the document,
 * empty when it conforms. The message is looked up by the event's `type`.
 */
export function validateCloudEvent(doc: AsyncApiDocument, event: unknown): string[] {
  const type = (event as { type?: unknown } | null)?.type;
  const schema = typeof type === 'string' ? messageSchemas(doc).get(type) : undefined;
  if (!schema) return [`no AsyncAPI message for type ${JSON.stringify(type)}`];
  return checkSchema(doc, schema, event, '$');
}

function resolve(doc: AsyncApiDocument, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`Only local $ref are supported: ${ref}`);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part];
  if (!node) throw new Error(`Unresolved $ref ${ref}`);
  return node as Schema;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function checkSchema(doc: AsyncApiDocument, schema: Schema, value: unknown, at: string): string[] {
  if (typeof schema.$ref === 'string') return checkSchema(doc, resolve(doc, schema.$ref), value, at);
  const errors: string[] = [];
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf as Schema[]) errors.push(...checkSchema(doc, part, value, at));
  }
  if (Array.isArray(schema.oneOf)) {
    const matches = (schema.oneOf as Schema[]).filter((part) => checkSchema(doc, part, value, at).length === 0).length;
    if (matches !== 1) errors.push(`${at}: matches ${matches} of oneOf, expected exactly 1`);
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    errors.push(`${at}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((item) => JSON.stringify(item) === JSON.stringify(value))) {
    errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
  }
  if (typeof schema.type === 'string') {
    const actual = typeOf(value);
    const ok = schema.type === actual || (schema.type === 'number' && actual === 'integer');
    if (!ok) return [...errors, `${at}: expected ${schema.type}, got ${actual}`];
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) errors.push(`${at}: does not match ${schema.pattern}`);
    if (schema.format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) {
      errors.push(`${at}: not an RFC 3339 date-time`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, index) => errors.push(...checkSchema(doc, schema.items as Schema, item, `${at}[${index}]`)));
  }
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in record)) errors.push(`${at}: missing required ${name}`);
    }
    for (const [name, item] of Object.entries(record)) {
      if (properties[name]) errors.push(...checkSchema(doc, properties[name], item, `${at}.${name}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property ${name}`);
    }
  }
  return errors;
}
