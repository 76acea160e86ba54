import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { probeDocker } from './docker';
import { createRunDir, sweepStaleRuns } from './managed-process';
import { ensureFerretDb } from './mongo';
import { ensureKafkaLibs } from './kafka';
import { freePort, requireTool } from './process-util';

// Harness behaviour that needs no server: clear errors, fast Docker detection, stale-run sweeps.

describe('test harness (no servers)', () => {
  let cacheDir: string;
  const savedPath = process.env.PATH;

  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-harness-'));
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('names a missing toolchain and what it was needed for', async () => {
    expect(() => requireTool('surely-not-installed-tool', 'do something')).toThrow(/`surely-not-installed-tool` not found on PATH; it is needed to do something/);
    process.env.PATH = '';
    await expect(ensureFerretDb({ cacheDir })).rejects.toThrow(/`go` not found on PATH; it is needed to build FerretDB/);
    await expect(ensureKafkaLibs({ cacheDir })).rejects.toThrow(/`mvn` not found on PATH; it is needed to fetch the Kafka/);
  });

  it('gives up on an absent Docker engine at once', async () => {
    const probe = await probeDocker({ DOCKER_HOST: `unix://${path.join(cacheDir, 'no-docker.sock')}` });
    expect(probe.available).toBe(false);
    expect(probe.reason).toMatch(/no Docker engine/);
  });

  it('hands out loopback ports that are free', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
  });

  it('removes run directories of dead owners without killing unrelated processes', async () => {
    const dead = path.join(cacheDir, 'run', 'stale-1');
    fs.mkdirSync(dead, { recursive: true });
    // A pid that is alive (this process) but does not carry the marker must survive the sweep.
    fs.writeFileSync(
      path.join(dead, 'owner.json'),
      JSON.stringify({ ownerPid: 2 ** 22 + 12345, children: [{ pid: process.pid, marker: 'no-such-marker-in-jest' }] }),
    );
    const mine = createRunDir(cacheDir, 'live');
    expect(sweepStaleRuns(cacheDir)).toBe(0);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(mine)).toBe(true);
  });
});
