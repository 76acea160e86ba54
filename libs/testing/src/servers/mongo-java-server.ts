import * as fs from 'node:fs';
import * as path from 'node:path';

import { MongoClient } from 'mongodb';

import { createRunDir, ManagedProcess, removeRunDir } from './managed-process';
import { freePort, harnessPaths, type HarnessOptions, requireTool, runCommand, sleep, tailFile } from './process-util';
import { type MongoServer, once } from './server-handle';

/** Keep in step with scripts/servers/mongo-java-server/pom.xml. 1.47.0 needs Java 17 (class files v61). */
export const MONGO_JAVA_SERVER_VERSION = '1.47.0';
const LAUNCHER = 'RosterMongoServer.java';

export interface MongoJavaServerOptions extends HarnessOptions {
  /** The JVM's -Xmx in MiB (the in-memory backend holds every document on the heap); 2048 when omitted. */
  maxHeapMb?: number;
}

/** Directory of mongo-java-server's jars (core, in-memory backend, netty, slf4j), fetched with Maven into .cache when absent. */
export async function ensureMongoJavaServerLibs(options: HarnessOptions = {}): Promise<{ libsDir: string; fetched: boolean }> {
  const { rootDir, cacheDir } = harnessPaths(options);
  const home = path.join(cacheDir, `mongo-java-server-${MONGO_JAVA_SERVER_VERSION}`);
  const libsDir = path.join(home, 'libs');
  if (fs.existsSync(libsDir)) return { libsDir, fetched: false };

  const mvn = requireTool('mvn', `fetch the mongo-java-server ${MONGO_JAVA_SERVER_VERSION} jars from Maven Central`);
  fs.mkdirSync(home, { recursive: true });
  options.log?.(`[servers] fetching mongo-java-server ${MONGO_JAVA_SERVER_VERSION} jars with ${mvn} (first run only)...`);
  const tmpDir = path.join(home, `libs.${process.pid}.tmp`);
  fs.rmSync(tmpDir, { recursive: true, force: true });
  try {
    await runCommand(
      mvn,
      [
        '-q',
        '-B',
        '-f',
        path.join(rootDir, 'scripts', 'servers', 'mongo-java-server', 'pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${tmpDir}`,
        '-DincludeScope=runtime',
      ],
      { cwd: home, what: `fetching mongo-java-server ${MONGO_JAVA_SERVER_VERSION} with Maven` },
    );
    const expected = `mongo-java-server-memory-backend-${MONGO_JAVA_SERVER_VERSION}.jar`;
    if (!fs.readdirSync(tmpDir).includes(expected)) {
      throw new Error(`test harness: Maven finished but ${tmpDir} holds no ${expected}`);
    }
    // Rename last: a present libs/ is always complete.
    if (!fs.existsSync(libsDir)) fs.renameSync(tmpDir, libsDir);
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  return { libsDir, fetched: true };
}

/**
 * mongo-java-server with its in-memory backend, run by the local `java` (17+) on a free port:
 * a second MongoDB wire-protocol server beside FerretDB, whose `_id` lookups use an index
 * (only when the filter's keys are exactly the index's: `{_id, lastPosition: {$lt}}` scans).
 * Always started here (no environment override); stop() kills it and its data is gone.
 */
export async function startMongoJavaServer(options: MongoJavaServerOptions = {}): Promise<MongoServer> {
  const { rootDir, cacheDir } = harnessPaths(options);
  const java = requireTool('java', `run mongo-java-server ${MONGO_JAVA_SERVER_VERSION}`);
  const { libsDir, fetched } = await ensureMongoJavaServerLibs(options);
  const launcher = path.join(rootDir, 'scripts', 'servers', 'mongo-java-server', LAUNCHER);
  const runDir = createRunDir(cacheDir, 'mongo-java-server');
  const logFile = path.join(runDir, 'mongo-java-server.log');
  const port = await freePort();
  const proc = ManagedProcess.spawn(
    java,
    [
      `-Xmx${options.maxHeapMb ?? 2048}m`,
      '-Djava.awt.headless=true',
      // slf4j-simple: warnings and errors only (it logs every client connection at info).
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      `${libsDir}${path.sep}*`,
      // Java's single-file source launcher compiles the launcher in memory: no build step.
      launcher,
      String(port),
    ],
    { cwd: runDir, logFile, runDir, marker: LAUNCHER },
  );
  const stop = once(async () => {
    // Nothing to flush (in-memory): a short grace before SIGKILL.
    await proc.stop(5_000);
    removeRunDir(runDir);
  });
  const url = `mongodb://127.0.0.1:${port}/`;
  try {
    await waitForPing(url, proc, 60_000);
  } catch (err) {
    const log = tailFile(logFile);
    await stop();
    throw new Error(
      `test harness: mongo-java-server did not start on 127.0.0.1:${port}: ${(err as Error).message}\n--- mongo-java-server.log (tail) ---\n${log}`,
    );
  }
  return {
    url,
    description: `mongo-java-server ${MONGO_JAVA_SERVER_VERSION} (in-memory backend, ${fetched ? 'jars fetched now' : 'cached jars'} from Maven Central, local java) on 127.0.0.1:${port}`,
    stop,
  };
}

async function waitForPing(url: string, proc: ManagedProcess, timeoutMs: number): Promise<void> {
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
    // The launcher compiles its source first (2 to 4 s): no point polling faster.
    await sleep(250);
  }
  throw new Error(`no ping answer within ${timeoutMs} ms (${last})`);
}
