#!/usr/bin/env node
// `npm test`: builds dist/ (end-to-end suites spawn the compiled service), runs jest over all
// projects (the integration project's global setup finds or starts the servers), prints one
// closing line `jest: <n> passed, <n> failed, <n> skipped`, and exits with jest's exit code.
// Extra arguments go to jest: `npm test -- --selectProjects unit`, `npm test -- libs/domain`.
// ROSTER_SKIP_BUILD=1 skips the build step.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const extraArgs = process.argv.slice(2);

function main() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // ROSTER_SKIP_BUILD=1 reuses the existing dist/ (quick unit runs while editing).
  const build = process.env.ROSTER_SKIP_BUILD === '1' ? { status: 0 } : spawnSync(npm, ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error(`\nnpm run build failed (${build.signal ?? `exit ${build.status}`}); jest was not run.`);
    process.exit(build.status || 1);
  }

  const resultsFile = path.join(os.tmpdir(), `roster-jest-${process.pid}-${Date.now()}.json`);
  const parallelism = extraArgs.some((a) => a === '-i' || a === '--runInBand' || a.startsWith('--maxWorkers') || a.startsWith('-w'))
    ? []
    : ['--maxWorkers=2']; // two cores, shared with the servers
  const jestBin = require.resolve('jest/bin/jest', { paths: [root] });
  const child = spawn(process.execPath, [jestBin, ...parallelism, '--json', `--outputFile=${resultsFile}`, ...extraArgs], {
    cwd: root,
    stdio: 'inherit',
  });

  // Ctrl-C reaches jest too (same process group); wait for it to tear the servers down
  // instead of dying first. A second Ctrl-C passes through to jest as a harder stop.
  let interrupts = 0;
  const onSignal = (signal) => {
    interrupts++;
    if (interrupts > 1 && child.exitCode === null) child.kill('SIGKILL');
    else if (signal !== 'SIGINT') child.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  child.on('exit', (code, signal) => {
    reapLeftovers();
    const summary = readSummary(resultsFile);
    fs.rmSync(resultsFile, { force: true });
    const exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
    if (!summary) console.log('(jest wrote no results: it stopped before running tests)');
    const { passed, failed, skipped } = summary ?? { passed: 0, failed: exitCode === 0 ? 0 : 1, skipped: 0 };
    console.log(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    process.exit(exitCode);
  });
}

/** Counts from jest's --json output; a suite that failed to run counts as one failure. */
function readSummary(file) {
  let r;
  try {
    r = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  return {
    passed: r.numPassedTests,
    failed: r.numFailedTests + (r.numRuntimeErrorTestSuites || 0),
    skipped: r.numPendingTests + (r.numTodoTests || 0),
  };
}

/** Kills servers a killed jest could not stop (their run directory names a dead owner). */
function reapLeftovers() {
  try {
    const { sweepStaleRuns } = require(path.join(root, 'dist/libs/testing/src/servers/managed-process.js'));
    const killed = sweepStaleRuns(path.join(root, '.cache'));
    if (killed > 0) console.log(`[servers] stopped ${killed} server process(es) jest left behind`);
  } catch (err) {
    console.error(`[servers] could not check for leftover servers: ${err.message}`);
  }
}

main();
