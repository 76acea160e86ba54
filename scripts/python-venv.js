'use strict';
// Python tools the tests use from outside (schemathesis, the independent export verifier) are
// installed by the project itself: a virtual environment under .cache/ (python3 -m venv, then
// pip, pinned versions), made once and reused; PYTHON names the interpreter.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function run(tag, command, args, log) {
  log(`[${tag}] ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message} (${tag} needs Python 3.11+ with venv; PYTHON names the interpreter)`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
}

/**
 * The bin directory of `.cache/<name>`, a venv holding `packages` (pip requirement strings),
 * made first when absent. `tag` prefixes the log lines.
 */
function ensurePythonVenv(tag, name, packages, log = (line) => process.stderr.write(`${line}\n`)) {
  const venv = path.join(root, '.cache', name);
  const bin = path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin');
  // The marker is written last: a half-made environment (an interrupted pip) is made again.
  const marker = path.join(venv, '.installed');
  if (fs.existsSync(marker)) return bin;
  fs.rmSync(venv, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  run(tag, process.env.PYTHON ?? 'python3', ['-m', 'venv', venv], log);
  run(tag, path.join(bin, 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...packages], log);
  fs.writeFileSync(marker, `${packages.join('\n')}\n`);
  return bin;
}

module.exports = { ensurePythonVenv };
