import type { KeyObject } from 'node:crypto';
import { appendFile, open } from 'node:fs/promises';
import { ORGANIZATION_STREAM_PREFIX } from '@roster/domain';
import { canonicalJson, storedEvents, type EventStore } from '@roster/event-store';
import { verifyAuditSignature, type AuditSigner } from './audit-signature';
import type { CheckpointHead } from './chain-verifier';

/**
 * Signed checkpoints close the tail a hash chain cannot see (docs/audit-export.md,
 * "Checkpoints"): every so often the head of every organization's chain (revision, position,
 * event id, hash) is signed with the service's key and appended, one JSON line each, to a file
 * kept apart from the store. `verify` compares each stream with the last checkpoint whose
 * signature holds: a stream that no longer reaches its recorded head lost its tail.
 */

export const CHECKPOINT_FORMAT = 'roster-audit-checkpoint/1';

export interface StreamHead {
  readonly revision: string;
  readonly position: string;
  readonly id: string;
  readonly hash: string;
}

export interface Checkpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly createdAt: string;
  /** Global position up to which it covers the store. */
  readonly position: string;
  readonly keyId: string;
  /** Organization id → the head of its chain. */
  readonly organizations: Readonly<Record<string, StreamHead>>;
}

const BLOCK = 64 * 1024;

/** The file's lines, last first, read backwards in blocks: the newest checkpoint is at the end. */
async function* linesFromEnd(path: string): AsyncGenerator<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    let end = (await handle.stat()).size;
    let tail = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - BLOCK);
      const block = Buffer.alloc(end - start);
      await handle.read(block, 0, block.length, start);
      tail = Buffer.concat([block, tail]);
      end = start;
      let newline: number;
      while ((newline = tail.lastIndexOf(0x0a)) >= 0) {
        const line = tail.subarray(newline + 1).toString('utf8');
        tail = tail.subarray(0, newline);
        if (line.trim() !== '') yield line;
      }
    }
    if (tail.length > 0 && tail.toString('utf8').trim() !== '') yield tail.toString('utf8');
  } finally {
    await handle.close();
  }
}

export class CheckpointLog {
  constructor(readonly path: string) {}

  /** The newest checkpoint whose signature is `publicKey`'s; lines that fail (edited, cut, another key) are passed over. */
  async lastTrusted(publicKey: KeyObject): Promise<Checkpoint | undefined> {
    for await (const line of linesFromEnd(this.path)) {
      let value: { checkpoint?: Checkpoint; signature?: unknown };
      try {
        value = JSON.parse(line) as typeof value;
      } catch {
        continue;
      }
      if (value.checkpoint?.format === CHECKPOINT_FORMAT && verifyAuditSignature(publicKey, value.checkpoint, value.signature)) return value.checkpoint;
    }
    return undefined;
  }

  /**
   * Signs and appends a checkpoint of every organization's head, reading only what the store
   * holds after `since` (default: the last trusted checkpoint in the file). Returns the new
   * checkpoint, or `since` when nothing was appended since.
   */
  async record(store: EventStore, signer: AuditSigner, now: () => Date, since?: Checkpoint): Promise<Checkpoint | undefined> {
    const base = since ?? (await this.lastTrusted(signer.publicKey));
    const organizations: Record<string, StreamHead> = { ...base?.organizations };
    let position = base ? BigInt(base.position) : 0n;
    let read = 0;
    for await (const event of storedEvents(store).readAll(base ? { fromPosition: position } : {})) {
      read += 1;
      position = event.position;
      const hash = event.metadata.hash;
      if (!event.streamId.startsWith(ORGANIZATION_STREAM_PREFIX) || typeof hash !== 'string') continue;
      organizations[event.streamId.slice(ORGANIZATION_STREAM_PREFIX.length)] = {
        revision: event.revision.toString(),
        position: event.position.toString(),
        id: event.id,
        hash,
      };
    }
    if (read === 0 && base) return base;
    const checkpoint: Checkpoint = { format: CHECKPOINT_FORMAT, createdAt: now().toISOString(), position: position.toString(), keyId: signer.keyId, organizations };
    // One write of one line: appends from two processes do not interleave.
    await appendFile(this.path, `${canonicalJson({ checkpoint, signature: signer.sign(checkpoint) })}\n`, { mode: 0o600 });
    return checkpoint;
  }
}

/** The head a checkpoint recorded for an organization's stream, as the chain verifier takes it. */
export function checkpointHead(checkpoint: Checkpoint | undefined, organizationId: string): CheckpointHead | undefined {
  const head = checkpoint?.organizations[organizationId];
  return head && checkpoint ? { ...head, checkpointAt: checkpoint.createdAt } : undefined;
}

/** Every stream a checkpoint names, for verifyAllStreams. */
export function checkpointStreams(checkpoint: Checkpoint | undefined): { streams: string[]; head(streamId: string): CheckpointHead | undefined } {
  return {
    streams: Object.keys(checkpoint?.organizations ?? {}).map((id) => `${ORGANIZATION_STREAM_PREFIX}${id}`),
    head: (streamId) => checkpointHead(checkpoint, streamId.slice(ORGANIZATION_STREAM_PREFIX.length)),
  };
}
