import * as fs from 'node:fs';
import * as path from 'node:path';

import { harnessPaths, type HarnessOptions, requireTool, runCommand } from './process-util';

export interface MavenLibs {
  /** What is fetched, for messages: `Kafka 3.9.1`. */
  readonly what: string;
  /** Directory under .cache that gets `libs/`. */
  readonly home: string;
  /** The pom under scripts/servers/ whose runtime dependencies are the jars. */
  readonly pom: string;
  /** A jar whose presence proves the fetch complete. */
  readonly expectedJar: (name: string) => boolean;
}

/**
 * Directory of a server's jars, copied by Maven (`dependency:copy-dependencies` of a pom in
 * scripts/servers/) into `.cache/<home>/libs` when absent. The directory is renamed into
 * place last, so a present `libs/` is always complete.
 */
export async function ensureMavenLibs(libs: MavenLibs, options: HarnessOptions = {}): Promise<{ libsDir: string; fetched: boolean }> {
  const { rootDir, cacheDir } = harnessPaths(options);
  const home = path.join(cacheDir, libs.home);
  const libsDir = path.join(home, 'libs');
  if (fs.existsSync(libsDir)) return { libsDir, fetched: false };

  const mvn = requireTool('mvn', `fetch the ${libs.what} jars from Maven Central`);
  fs.mkdirSync(home, { recursive: true });
  options.log?.(`[servers] fetching ${libs.what} jars with ${mvn} (first run only)...`);
  const tmpDir = path.join(home, `libs.${process.pid}.tmp`);
  fs.rmSync(tmpDir, { recursive: true, force: true });
  try {
    await runCommand(
      mvn,
      ['-q', '-B', '-f', path.join(rootDir, 'scripts', 'servers', libs.pom), 'dependency:copy-dependencies', `-DoutputDirectory=${tmpDir}`, '-DincludeScope=runtime'],
      { cwd: home, what: `fetching ${libs.what} with Maven` },
    );
    if (!fs.readdirSync(tmpDir).some(libs.expectedJar)) {
      throw new Error(`test harness: Maven finished but ${tmpDir} holds no ${libs.what} jar`);
    }
    if (!fs.existsSync(libsDir)) fs.renameSync(tmpDir, libsDir);
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  return { libsDir, fetched: true };
}
