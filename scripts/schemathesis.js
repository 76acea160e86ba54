#!/usr/bin/env node
// schemathesis (PyPI), for the OpenAPI conformance test: installed by the project itself into a
// virtual environment under .cache/ (python3 -m venv, then pip), once; later runs reuse it.
// `node scripts/schemathesis.js` installs it if absent and prints the path of its `st` command.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { ensurePythonVenv } = require('./python-venv');

/** Pinned: the test's flags and checks are those of this version. */
const SCHEMATHESIS_VERSION = '4.32.5';

/** The path of the `st` command of the pinned schemathesis, installed first when absent. */
function ensureSchemathesis(log) {
  const bin = ensurePythonVenv('schemathesis', `schemathesis-${SCHEMATHESIS_VERSION}`, [`schemathesis==${SCHEMATHESIS_VERSION}`], log);
  const st = path.join(bin, process.platform === 'win32' ? 'st.exe' : 'st');
  if (!fs.existsSync(st)) throw new Error(`schemathesis is installed but ${st} is missing: delete ${path.dirname(bin)} and run again`);
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
