import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

/**
 * Real processes sharing one file, as the API and a separate worker do: two writer processes
 * race on the same streams with expected revisions (retrying on conflict) while this process
 * subscribes. Locking across processes must neither lose nor duplicate an event, nor fail
 * with SQLITE_BUSY.
 */
const WRITES_PER_PROCESS = 40;
const STREAMS = ['s-0', 's-1', 's-2'];

// The child loads the adapter's TypeScript through scripts/register-ts.js (see runWriter).
const writer = `
const { randomUUID } = require('node:crypto');
const { SqliteEventStore } = require(process.env.ADAPTER);
const { WrongExpectedRevisionError } = require(process.env.PORT);
(async () => {
  const store = new SqliteEventStore({ path: process.env.DB });
  const streams = JSON.parse(process.env.STREAMS);
  let conflicts = 0;
  for (let i = 0; i < Number(process.env.WRITES); i++) {
    const stream = streams[i % streams.length];
    for (;;) {
      let last;
      for await (const e of store.readStream(stream)) last = e.revision;
      try {
        await store.append(stream, [{ id: randomUUID(), type: 'W', data: { by: process.pid, i }, metadata: {} }],
          last === undefined ? 'no_stream' : last);
        break;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        conflicts++;
      }
    }
  }
  await store.close();
  process.stdout.write(JSON.stringify({ conflicts }));
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

function runWriter(db: string): Promise<{ conflicts: number }> {
  return new Promise((resolve, reject) => {
    const root = join(__dirname, '..', '..', '..', '..');
    const child = spawn(process.execPath, ['--require', join(root, 'scripts', 'register-ts.js'), '-e', writer], {
      cwd: root,
      env: {
        ...process.env,
        DB: db,
        WRITES: String(WRITES_PER_PROCESS),
        STREAMS: JSON.stringify(STREAMS),
        ADAPTER: join(__dirname, 'sqlite-event-store.ts'),
        PORT: join(__dirname, '..', 'event-store.port.ts'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

describe('SqliteEventStore shared by several processes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-mp-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serialises writers from two processes and feeds a subscriber in a third', async () => {
    const db = join(dir, 'events.sqlite');
    const subscriber = new SqliteEventStore({ path: db, pollIntervalMs: 10 });
    const total = 2 * WRITES_PER_PROCESS;
    const controller = new AbortController();
    const seen: RecordedEvent[] = [];
    const consumed = (async () => {
      for await (const batch of subscriber.subscribeToAll({ signal: controller.signal })) {
        seen.push(...batch);
        if (seen.length >= total) controller.abort();
      }
    })();

    await Promise.all([runWriter(db), runWriter(db)]);
    await consumed;

    expect(seen).toHaveLength(total);
    for (let i = 1; i < seen.length; i++) expect(seen[i].position).toBeGreaterThan(seen[i - 1].position);
    for (const stream of STREAMS) {
      const revisions = seen.filter((e) => e.streamId === stream).map((e) => e.revision);
      expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
    }
    await subscriber.close();
  }, 60_000);
});
