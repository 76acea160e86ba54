#!/usr/bin/env node
// The independent export verifier (scripts/verify_export.py, written from docs/audit-export.md
// alone) needs PyPI's rfc8785 and cryptography: installed by the project itself into a virtual
// environment under .cache/ (scripts/python-venv.js), once, as schemathesis is.
// `node scripts/audit-verifier.js` installs them if absent and prints the venv's python.
'use strict';

const path = require('node:path');
const { ensurePythonVenv } = require('./python-venv');

/** Pinned: the verifier is tested with these versions. */
const PACKAGES = ['rfc8785==0.1.4', 'cryptography==46.0.3'];
const VERIFIER = path.join(__dirname, 'verify_export.py');

/** The venv's python, with the pinned packages installed first when absent. */
function ensureAuditVerifier(log) {
  const bin = ensurePythonVenv('audit-verifier', `audit-verifier-${PACKAGES.join('-').replace(/==/g, '-')}`, PACKAGES, log);
  return path.join(bin, process.platform === 'win32' ? 'python.exe' : 'python');
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
