import { createHash } from 'node:crypto';

/**
 * Tamper evidence: each event's metadata carries `hash`, a SHA-256 over the canonical
 * encoding of the previous event's hash and this event's stream id, revision, id, type,
 * data and metadata (less `hash` itself). Changing, removing or reordering an event breaks
 * every hash after it.
 */

export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted (UTF-16 code units) and no insignificant white space; members
 * whose value is undefined left out; bigint as a decimal string. Every stored hash depends on
 * this exact output (hash-chain.spec.ts holds the reference encoding). Written with loops and
 * string concatenation: it runs for every event appended and every event verified.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          // A hole is written as nothing, as Array.prototype.join does.
          if (i in value) out += canonicalJson(value[i]);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      // Default sort: UTF-16 code unit order.
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (out.length > 1) out += ',';
        out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

export interface ChainLink {
  readonly streamId: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  /** Metadata without `hash`. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

export function eventHash(previousHash: string, link: ChainLink): string {
  const { hash: _ignored, ...metadata } = link.metadata as Record<string, unknown>;
  return createHash('sha256')
    .update(previousHash)
    .update('\n')
    .update(
      canonicalJson({
        streamId: link.streamId,
        revision: link.revision.toString(),
        id: link.id,
        type: link.type,
        data: link.data,
        metadata,
      }),
    )
    .digest('hex');
}
