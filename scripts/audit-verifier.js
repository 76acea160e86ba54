#!/usr/bin/env node
// The independent export verifier (scripts/verify_export.py, written from docs/audit-export.md
// alone) needs PyPI's rfc8785 and cryptography: installed by the project itself into a virtual
// environment under .cache/ (python3 -m venv, then pip), once, as scripts/schemathesis.js does.
// `node scripts/audit-verifier.js` installs them if absent and prints the venv's python.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Pinned: the verifier is tested with these versions. */
const PACKAGES = ['rfc8785==0.1.4', 'cryptography==46.0.3'];

const root = path.resolve(__dirname, '..');
const venv = path.join(root, '.cache', `audit-verifier-${PACKAGES.join('-').replace(/==/g, '-')}`);
const bin = path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin');
const VERIFIER = path.join(root, 'scripts', 'verify_export.py');

function run(command, args, log) {
  log(`[audit-verifier] ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message} (the verifier needs Python 3.9+ with venv; PYTHON names the interpreter)`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
}

/** The path of the venv's python, with the pinned packages installed first when absent. */
function ensureAuditVerifier(log = (line) => process.stderr.write(`${line}\n`)) {
  const python = path.join(bin, process.platform === 'win32' ? 'python.exe' : 'python');
  // The marker is written last: a half-made environment (an interrupted pip) is made again.
  const marker = path.join(venv, '.installed');
  if (fs.existsSync(marker) && fs.existsSync(python)) return python;
  fs.rmSync(venv, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv], log);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PACKAGES], log);
  fs.writeFileSync(marker, `${PACKAGES.join('\n')}\n`);
  return python;
}

module.exports = { ensureAuditVerifier, VERIFIER, PACKAGES };

if (require.main === module) {
  try {
    process.stdout.write(`${ensureAuditVerifier()}\n`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
