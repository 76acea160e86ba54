import type { KeyObject } from 'node:crypto';
import { organizationStreamId } from '@roster/domain';
import { canonicalJson, storedEvents, type EventStore, type RecordedEvent } from '@roster/event-store';
import { auditKeyId, verifyAuditSignature, type AuditSigner } from './audit-signature';
import { StreamChainVerifier, type ChainFailureReason } from './chain-verifier';

/**
 * A signed export of one organization's record (docs/audit-export.md is the specification):
 * one line per event as stored (personal fields sealed; the chain covers the ciphertext), in
 * revision order, each the RFC 8785 form of `{ streamId, revision, id, type, data, metadata,
 * position, recordedAt }`; then, last, `{ manifest, signature }`: the manifest says how many
 * events, their first and last revision and position, and the chain's head hash, and the
 * service's Ed25519 key signs its RFC 8785 form. Checked with nothing but the file and the
 * public key.
 */

export const AUDIT_EXPORT_FORMAT = 'roster-audit-export/1';

export interface ExportManifest {
  readonly format: typeof AUDIT_EXPORT_FORMAT;
  readonly organizationId: string;
  readonly streamId: string;
  readonly count: number;
  /** Decimal strings, as everywhere revisions and positions travel. */
  readonly firstRevision: string;
  readonly lastRevision: string;
  readonly firstPosition: string;
  readonly lastPosition: string;
  /** `metadata.hash` of the last event: the chain's head. */
  readonly headHash: string;
  /** ISO 8601, UTC. */
  readonly exportedAt: string;
  /** Names the signing key (auditKeyId): first 16 hex digits of SHA-256 over its DER (SPKI). */
  readonly keyId: string;
}

/** Lines are gathered into chunks of about this many characters: fewer writes, still a stream. */
const CHUNK_CHARS = 64 * 1024;

export function exportLine(event: RecordedEvent): string {
  return canonicalJson({
    streamId: event.streamId,
    revision: event.revision.toString(),
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    position: event.position.toString(),
    recordedAt: event.recordedAt.toISOString(),
  });
}

/**
 * The export, in chunks of whole lines, read from the store as it is consumed (never the
 * whole organization in memory). The caller makes sure the organization exists; `onManifest`
 * sees the manifest once it is signed.
 */
export async function* auditExportChunks(
  store: EventStore,
  organizationId: string,
  signer: AuditSigner,
  now: () => Date,
  onManifest?: (manifest: ExportManifest) => void,
): AsyncGenerator<string> {
  const streamId = organizationStreamId(organizationId);
  let count = 0;
  let first: RecordedEvent | undefined;
  let last: RecordedEvent | undefined;
  let chunk = '';
  for await (const event of storedEvents(store).readStream(streamId)) {
    first ??= event;
    last = event;
    count += 1;
    chunk += `${exportLine(event)}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  const manifest: ExportManifest = {
    format: AUDIT_EXPORT_FORMAT,
    organizationId,
    streamId,
    count,
    firstRevision: first?.revision.toString() ?? '',
    lastRevision: last?.revision.toString() ?? '',
    firstPosition: first?.position.toString() ?? '',
    lastPosition: last?.position.toString() ?? '',
    headHash: typeof last?.metadata.hash === 'string' ? last.metadata.hash : '',
    exportedAt: now().toISOString(),
    keyId: signer.keyId,
  };
  yield `${chunk}${canonicalJson({ manifest, signature: signer.sign(manifest) })}\n`;
  onManifest?.(manifest);
}

/** What verify-export finds, one kind per way a file can be wrong (docs/audit-export.md, "Verifying"). */
export type ExportProblem = 'edited line' | 'removed line' | 'truncated tail' | 'forged signature';

/** Exit codes of `verify-export`, the Python verifier's too: 0 intact, 1 cannot run, 2 usage. */
export const EXPORT_PROBLEM_EXIT_CODES: Readonly<Record<ExportProblem, number>> = {
  'edited line': 3,
  'removed line': 4,
  'truncated tail': 5,
  'forged signature': 6,
};

export type ExportVerification =
  | { readonly valid: true; readonly manifest: ExportManifest }
  | { readonly valid: false; readonly problem: ExportProblem; readonly line?: number; readonly detail: string; readonly manifest?: ExportManifest };

const CHAIN_PROBLEMS: Readonly<Record<ChainFailureReason, ExportProblem>> = {
  'hash mismatch': 'edited line',
  'missing hash': 'edited line',
  'revision gap': 'removed line',
  'broken link (event missing or reordered)': 'removed line',
  // Not asked of an export's chain: its own manifest is its checkpoint.
  'tail removed (checkpoint)': 'truncated tail',
  'differs from checkpoint': 'edited line',
};

const DECIMAL = /^(0|[1-9]\d*)$/;

/** An event line as recorded, or a sentence saying which field is wrong. */
function parseEventLine(value: unknown): RecordedEvent | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const line = value as Record<string, unknown>;
  for (const field of ['streamId', 'id', 'type', 'revision', 'position', 'recordedAt'] as const) {
    if (typeof line[field] !== 'string') return `field ${field} is not a string`;
  }
  if (!DECIMAL.test(line.revision as string) || !DECIMAL.test(line.position as string)) return 'revision and position must be decimal strings';
  if (typeof line.metadata !== 'object' || line.metadata === null || Array.isArray(line.metadata)) return 'field metadata is not an object';
  return {
    streamId: line.streamId as string,
    id: line.id as string,
    type: line.type as string,
    data: line.data,
    metadata: line.metadata as Record<string, unknown>,
    revision: BigInt(line.revision as string),
    position: BigInt(line.position as string),
    recordedAt: new Date(line.recordedAt as string),
  };
}

function isManifestLine(value: unknown): value is { manifest: Record<string, unknown>; signature: unknown } {
  return typeof value === 'object' && value !== null && 'manifest' in value && typeof (value as { manifest: unknown }).manifest === 'object';
}

/**
 * Checks an export from its text alone, in one pass (memory: one line at a time). In this
 * order, the first that fails is the answer: the last line is a signed manifest (else the file
 * was cut: truncated tail); its signature is the key's (forged signature); every line parses
 * and its hash links to the one before (edited line, removed line); the file holds what the
 * manifest counts, up to its head hash (truncated tail, or edited line for more lines or
 * another head).
 */
export async function verifyAuditExport(text: AsyncIterable<string | Buffer>, publicKey: KeyObject): Promise<ExportVerification> {
  let lineNumber = 0;
  let chain: StreamChainVerifier | undefined;
  let chainFailure: { problem: ExportProblem; line: number; detail: string } | undefined;
  let manifestLine: { manifest: Record<string, unknown>; signature: unknown; line: number } | undefined;
  let events = 0;
  let lastHash = '';
  let lastRevision = -1n;
  let endsWithNewline = true;
  let lastLineUnparsed: number | undefined;

  const take = (raw: string) => {
    lineNumber += 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      lastLineUnparsed = lineNumber;
      chainFailure ??= { problem: 'edited line', line: lineNumber, detail: 'not valid JSON' };
      // Whatever follows the manifest means it is no longer the last line.
      manifestLine = undefined;
      return;
    }
    lastLineUnparsed = undefined;
    if (manifestLine) {
      // Something after the manifest: the manifest is no longer last.
      chainFailure ??= { problem: 'edited line', line: lineNumber, detail: `a line after the manifest (line ${manifestLine.line})` };
      manifestLine = undefined;
    }
    if (isManifestLine(value)) {
      manifestLine = { manifest: value.manifest, signature: value.signature, line: lineNumber };
      return;
    }
    const event = parseEventLine(value);
    if (typeof event === 'string') {
      chainFailure ??= { problem: 'edited line', line: lineNumber, detail: event };
      return;
    }
    events += 1;
    chain ??= new StreamChainVerifier(event.streamId);
    if (event.streamId !== chain.streamId) {
      chainFailure ??= { problem: 'edited line', line: lineNumber, detail: `stream ${event.streamId}, the file's is ${chain.streamId}` };
      return;
    }
    if (!chain.check(event) && !chainFailure) {
      const failure = chain.result().firstInvalid!;
      chainFailure = { problem: CHAIN_PROBLEMS[failure.reason], line: lineNumber, detail: `revision ${failure.revision} (event ${failure.id}): ${failure.reason}; ${failure.detail}` };
    }
    if (!chainFailure) {
      lastHash = event.metadata.hash as string;
      lastRevision = event.revision;
    }
  };

  let rest = '';
  for await (const piece of text) {
    rest += typeof piece === 'string' ? piece : piece.toString('utf8');
    let newline: number;
    while ((newline = rest.indexOf('\n')) >= 0) {
      const raw = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (raw.trim() !== '') take(raw);
    }
  }
  if (rest.trim() !== '') {
    endsWithNewline = false;
    take(rest);
  }

  if (!manifestLine) {
    const cut = !endsWithNewline && lastLineUnparsed === lineNumber ? ', and its last line is cut short' : '';
    return { valid: false, problem: 'truncated tail', line: lineNumber, detail: `no signed manifest at the end of the file (${lineNumber} lines${cut})` };
  }
  const manifest = manifestLine.manifest as unknown as ExportManifest;
  if (!verifyAuditSignature(publicKey, manifestLine.manifest, manifestLine.signature)) {
    const keyId = auditKeyId(publicKey);
    const other = manifest.keyId !== keyId ? `; the manifest names key ${String(manifest.keyId)}, this key is ${keyId}` : '';
    return { valid: false, problem: 'forged signature', line: manifestLine.line, detail: `the manifest's signature is not this key's${other}` };
  }
  if (chainFailure) return { valid: false, ...chainFailure, manifest };
  if (manifest.format !== AUDIT_EXPORT_FORMAT) {
    return { valid: false, problem: 'edited line', line: manifestLine.line, detail: `unknown format ${String(manifest.format)}`, manifest };
  }
  if (chain && chain.streamId !== manifest.streamId) {
    return { valid: false, problem: 'edited line', line: 1, detail: `the events are of ${chain.streamId}, the manifest's of ${manifest.streamId}`, manifest };
  }
  const expectedLast = DECIMAL.test(String(manifest.lastRevision)) ? BigInt(manifest.lastRevision) : -1n;
  if (events < manifest.count || lastRevision < expectedLast) {
    return {
      valid: false,
      problem: 'truncated tail',
      line: manifestLine.line,
      detail: `the manifest counts ${manifest.count} events up to revision ${manifest.lastRevision}; the file holds ${events}, up to revision ${lastRevision < 0n ? 'none' : lastRevision.toString()}`,
      manifest,
    };
  }
  if (events > manifest.count || lastRevision > expectedLast) {
    return { valid: false, problem: 'edited line', line: manifestLine.line, detail: `the file holds ${events} events, the manifest counts ${manifest.count}`, manifest };
  }
  if (lastHash !== manifest.headHash) {
    return { valid: false, problem: 'edited line', line: manifestLine.line - 1, detail: `the chain ends at hash ${lastHash}, the signed manifest's head is ${manifest.headHash}`, manifest };
  }
  return { valid: true, manifest };
}
