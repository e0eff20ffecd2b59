/**
 * Runs a TypeScript file in a child process (tests that need a real process to kill -9): .ts
 * files are transpiled on the fly with the repo's TypeScript. Usage: node ts-child.js file.ts args...
 */
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

require.extensions['.ts'] = (m, filename) => {
	const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true },
		fileName: filename,
	});
	m._compile(out.outputText, filename);
};
require(path.resolve(process.argv[2]));
