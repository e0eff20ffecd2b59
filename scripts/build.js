#!/usr/bin/env node
// Builds dist/: compiles TypeScript (tsconfig.build.json) and copies the static files n8n needs
// beside the compiled nodes and credentials (svg/png icons and codex .node.json files), and the
// Segment Report's bundled font with its licence (nodes/core/report/assets: .otf, OFL.txt, NOTICE).
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

let copied = 0;
function copyStatic(dir) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) copyStatic(rel);
    else if (/\.(svg|png|json|otf)$|^(OFL\.txt|NOTICE)$/.test(entry.name)) {
      fs.mkdirSync(path.join(dist, dir), { recursive: true });
      fs.copyFileSync(path.join(root, rel), path.join(dist, rel));
      copied++;
    }
  }
}
for (const dir of ['nodes', 'credentials']) if (fs.existsSync(path.join(root, dir))) copyStatic(dir);
console.log(`build: compiled TypeScript and copied ${copied} static files into dist/`);
