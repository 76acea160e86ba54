import { createHash } from 'node:crypto';

/**
 * Tamper evidence: each event's metadata carries `hash`, a SHA-256 over the canonical
 * encoding of the previous event's hash and this event's stream id, revision, id, type,
 * data and metadata (less `hash` itself). Changing, removing or reordering an event breaks
 * every hash after it.
 */

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted and no insignificant white space; bigint as decimal string. */
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
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
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
