#!/usr/bin/env node
// schemathesis (PyPI), for the OpenAPI conformance test: installed by the project itself into a
// virtual environment under .cache/ (python3 -m venv, then pip), once; later runs reuse it.
// `node scripts/schemathesis.js` installs it if absent and prints the path of its `st` command.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Pinned: the test's flags and checks are those of this version. */
const SCHEMATHESIS_VERSION = '4.32.5';

const root = path.resolve(__dirname, '..');
const venv = path.join(root, '.cache', `schemathesis-${SCHEMATHESIS_VERSION}`);
const bin = path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin');

function run(command, args, log) {
  log(`[schemathesis] ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message} (schemathesis needs Python 3.11+ with venv; PYTHON names the interpreter)`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
}

/** The path of the `st` command of the pinned schemathesis, installed first when absent. */
function ensureSchemathesis(log = (line) => process.stderr.write(`${line}\n`)) {
  const st = path.join(bin, process.platform === 'win32' ? 'st.exe' : 'st');
  // The marker is written last: a half-made environment (an interrupted pip) is made again.
  const marker = path.join(venv, '.installed');
  if (fs.existsSync(marker) && fs.existsSync(st)) return st;
  fs.rmSync(venv, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv], log);
  run(path.join(bin, 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], log);
  fs.writeFileSync(marker, `${SCHEMATHESIS_VERSION}\n`);
  return st;
}

module.exports = { ensureSchemathesis, SCHEMATHESIS_VERSION };

if (require.main === module) {
  try {
    process.stdout.write(`${ensureSchemathesis()}\n`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
