import * as path from 'node:path';

import { createRunDir, ManagedProcess, removeRunDir } from './managed-process';
import { ensureMavenLibs } from './maven-libs';
import { waitForMongo } from './mongo';
import { freePort, harnessPaths, type HarnessOptions, requireTool, tailFile } from './process-util';
import { type MongoServer, once } from './server-handle';

/** Keep in step with scripts/servers/mongo-java-server/pom.xml. 1.47.0 needs Java 17 (class files v61). */
export const MONGO_JAVA_SERVER_VERSION = '1.47.0';
const LAUNCHER = 'RosterMongoServer.java';

export interface MongoJavaServerOptions extends HarnessOptions {
  /** The JVM's -Xmx in MiB (the in-memory backend holds every document on the heap); 2048 when omitted. */
  maxHeapMb?: number;
}

/** Directory of mongo-java-server's jars (core, in-memory backend, netty, slf4j), fetched with Maven into .cache when absent. */
export function ensureMongoJavaServerLibs(options: HarnessOptions = {}): Promise<{ libsDir: string; fetched: boolean }> {
  return ensureMavenLibs(
    {
      what: `mongo-java-server ${MONGO_JAVA_SERVER_VERSION}`,
      home: `mongo-java-server-${MONGO_JAVA_SERVER_VERSION}`,
      pom: 'mongo-java-server/pom.xml',
      expectedJar: (name) => name === `mongo-java-server-memory-backend-${MONGO_JAVA_SERVER_VERSION}.jar`,
    },
    options,
  );
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
      // ZGC: pauses under a millisecond. With a few hundred thousand documents on the heap,
      // G1's young pauses took 70 to 250 ms on 2 cores, and showed up as projection lag.
      '-XX:+UseZGC',
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
    await waitForMongo(url, proc, 60_000);
  } catch (err) {
    const log = tailFile(logFile);
    await stop();
    throw new Error(
      `test harness: mongo-java-server did not start on 127.0.0.1:${port}: ${(err as Error).message}\n--- mongo-java-server.log (tail) ---\n${log}`,
    );
  }
  return {
    url,
    description: `mongo-java-server ${MONGO_JAVA_SERVER_VERSION} (in-memory backend, ZGC, ${fetched ? 'jars fetched now' : 'cached jars'} from Maven Central, local java) on 127.0.0.1:${port}`,
    stop,
  };
}
