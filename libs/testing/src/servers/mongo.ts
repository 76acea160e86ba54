import * as fs from 'node:fs';
import * as path from 'node:path';

import { MongoClient } from 'mongodb';

import { probeDocker } from './docker';
import { createRunDir, ManagedProcess, removeRunDir } from './managed-process';
import { freePort, harnessPaths, type HarnessOptions, requireTool, runCommand, sleep, tailFile } from './process-util';
import { type MongoServer, once } from './server-handle';

export const FERRETDB_VERSION = '1.24.0';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const MONGO_IMAGE = 'mongo:7.0';

/**
 * A MongoDB-compatible server: MONGODB_URL when set, else `mongo` in Docker when an engine
 * answers, else FerretDB built from the Go module proxy, running on SQLite under .cache/run.
 */
export async function startMongo(options: HarnessOptions = {}): Promise<MongoServer> {
  const env = options.env ?? process.env;
  if (env.MONGODB_URL) {
    return { url: env.MONGODB_URL, description: `configured by MONGODB_URL (${redact(env.MONGODB_URL)})`, stop: async () => {} };
  }
  const docker = await probeDocker(env);
  if (docker.available) return startMongoInDocker();
  return startFerretDb(options);
}

async function startMongoInDocker(): Promise<MongoServer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(MONGO_IMAGE)
    .withExposedPorts(27017)
    .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/i))
    .start();
  const url = `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/?directConnection=true`;
  return {
    url,
    description: `${MONGO_IMAGE} in Docker (testcontainers) on ${container.getHost()}:${container.getMappedPort(27017)}`,
    stop: once(async () => {
      await container.stop();
    }),
  };
}

/** Path of the FerretDB binary, building it into .cache/bin when absent. */
export async function ensureFerretDb(options: HarnessOptions = {}): Promise<{ binary: string; built: boolean }> {
  const { cacheDir } = harnessPaths(options);
  const binDir = path.join(cacheDir, 'bin');
  const binary = path.join(binDir, `ferretdb-${FERRETDB_VERSION}`);
  if (fs.existsSync(binary)) return { binary, built: false };

  const go = requireTool('go', `build FerretDB ${FERRETDB_VERSION} (the MongoDB-compatible server for tests) from the Go module proxy`);
  fs.mkdirSync(binDir, { recursive: true });
  options.log?.(`[servers] building FerretDB ${FERRETDB_VERSION} with ${go} (first run only: 2 to 7 minutes, depending on load)...`);
  // FerretDB 1.24 needs Go 1.22+ (an older `go` fetches that toolchain from the proxy by itself).
  // GOWORK=off: the surroundings don't matter; CGO off: its SQLite driver is pure Go.
  const goEnv = { ...process.env, GOFLAGS: '-buildvcs=false', GOWORK: 'off', CGO_ENABLED: '0' };
  // `go install ...@v1.24.0` is not used: it asks the proxy for the module's version list, which
  // some proxies refuse. `go mod download` of the exact version works wherever the module does.
  const downloaded = await runCommand(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@v${FERRETDB_VERSION}`], {
    cwd: cacheDir,
    env: goEnv,
    what: `downloading ${FERRETDB_MODULE}@v${FERRETDB_VERSION}`,
  });
  const moduleDir = (JSON.parse(downloaded) as { Dir?: string }).Dir;
  if (!moduleDir) throw new Error(`test harness: go mod download gave no module directory:\n${downloaded}`);

  // The module cache is read-only, and FerretDB's main package panics without the generated
  // build/version/version.txt; build from a writable copy that has it.
  const srcDir = path.join(cacheDir, 'src', `ferretdb-${FERRETDB_VERSION}-${process.pid}`);
  fs.rmSync(srcDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(srcDir), { recursive: true });
  fs.cpSync(moduleDir, srcDir, { recursive: true });
  makeWritable(srcDir);
  fs.writeFileSync(path.join(srcDir, 'build', 'version', 'version.txt'), `v${FERRETDB_VERSION}\n`);
  const tmpBinary = `${binary}.${process.pid}.tmp`;
  try {
    await runCommand(go, ['build', '-trimpath', '-o', tmpBinary, './cmd/ferretdb'], {
      cwd: srcDir,
      env: goEnv,
      what: `building FerretDB ${FERRETDB_VERSION}`,
    });
    // Rename last, so a concurrent run never sees a half-written binary.
    fs.renameSync(tmpBinary, binary);
  } finally {
    fs.rmSync(tmpBinary, { force: true });
    fs.rmSync(srcDir, { recursive: true, force: true });
  }
  return { binary, built: true };
}

function makeWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(p);
    else fs.chmodSync(p, 0o644);
  }
}

async function startFerretDb(options: HarnessOptions): Promise<MongoServer> {
  const { cacheDir } = harnessPaths(options);
  const { binary, built } = await ensureFerretDb(options);
  const runDir = createRunDir(cacheDir, 'ferretdb');
  const dataDir = path.join(runDir, 'data');
  fs.mkdirSync(dataDir);
  const logFile = path.join(runDir, 'ferretdb.log');
  const port = await freePort();
  const proc = ManagedProcess.spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--state-dir=${runDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
    { cwd: runDir, logFile, runDir, marker: 'ferretdb' },
  );
  const stop = once(async () => {
    await proc.stop();
    removeRunDir(runDir);
  });
  const url = `mongodb://127.0.0.1:${port}/`;
  try {
    await waitForMongo(url, proc, 60_000);
  } catch (err) {
    const log = tailFile(logFile);
    await stop();
    throw new Error(`test harness: FerretDB did not start on 127.0.0.1:${port}: ${(err as Error).message}\n--- ferretdb.log (tail) ---\n${log}`);
  }
  return {
    url,
    description: `FerretDB ${FERRETDB_VERSION} (${built ? 'built now' : 'cached build'} from the Go module proxy) on 127.0.0.1:${port}`,
    stop,
  };
}

/** Resolves once a MongoDB ping answers at `url`; fails early if the server process exits. */
export async function waitForMongo(url: string, proc: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (proc.hasExited) throw new Error(`the process ${proc.exitDescription}`);
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await client.close().catch(() => undefined);
    }
    await sleep(200);
  }
  throw new Error(`no ping answer within ${timeoutMs} ms (${last})`);
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
