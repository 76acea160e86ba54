// Lets Node load the project's TypeScript sources (transpiled, no type check) where Jest's own
// transform does not reach: a worker thread or child process started from the sources under
// ts-jest (the SQLite writer thread, the multi-process store spec). Built code never needs it.
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
