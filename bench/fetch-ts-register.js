'use strict';
/**
 * Lets plain `node` load the TypeScript sources (the mocks in test/mocks and the core clients in
 * nodes/core) without a build: `node -r ./bench/fetch-ts-register.js test/mocks/shopify.ts`.
 * Transpile only (no type check), CommonJS, the same target as tsconfig.json.
 */
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2021,
      esModuleInterop: true,
      sourceMap: false,
      inlineSourceMap: true,
    },
  });
  module._compile(outputText, filename);
};
