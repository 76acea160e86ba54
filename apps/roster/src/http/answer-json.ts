import { keptViewJson } from '@roster/read-models';

/**
 * JSON.stringify(answer), the same bytes, with the JSON of the views answers share (members,
 * activity: keptViewJson) made once per view instead of once per answer. Plain objects are
 * written key by key down to OBJECT_LEVELS levels (the dashboard's membersByRole is the
 * second), arrays item by item, each item a kept view's JSON or JSON.stringify(item); any
 * other value, and anything deeper, is JSON.stringify's own. Undefined if JSON.stringify
 * would give undefined.
 *
 * Hand-written because measured: the dashboard's answer (21 members, 20 activity entries,
 * 9 invitations, 3 requests: 14 kB) took about 40 µs in JSON.stringify per request, a fifth
 * of its CPU, and three quarters of its bytes are kept views (docs/benchmarks.md, issue 19).
 * fast-json-stringify does not fit: activity entries and invitations are open documents
 * whose keys a schema does not list in their order.
 */
export function answerJson(answer: unknown): string | undefined {
  return json(answer, OBJECT_LEVELS);
}

/** Levels of plain objects written key by key: the answer, then e.g. its membersByRole. */
const OBJECT_LEVELS = 2;

function json(value: unknown, levels: number): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const kept = keptViewJson(value);
  if (kept !== undefined) return kept;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // As JSON.stringify: an item it cannot write (undefined, a function) is null.
      const itemJson = (typeof item === 'object' && item !== null ? keptViewJson(item) : undefined) ?? JSON.stringify(item) ?? 'null';
      out += i === 0 ? itemJson : `,${itemJson}`;
    }
    return `${out}]`;
  }
  if (levels === 0 || Object.getPrototypeOf(value) !== Object.prototype) return JSON.stringify(value);
  let out = '{';
  for (const key of Object.keys(value)) {
    // As JSON.stringify: a property it cannot write (undefined, a function) is left out.
    const valueJson = json((value as Record<string, unknown>)[key], levels - 1);
    if (valueJson === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${valueJson}`;
  }
  return `${out}}`;
}
