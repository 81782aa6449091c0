'use strict';
// Bundles the command line into one file, dist/cli/main.js (the package's
// `bin`), over the per-module output tsc wrote there: a process that starts
// `ephemdir` reads and compiles one file instead of resolving and loading
// ~60 modules. Modules the CLI requires lazily (one command's file, the API
// module it calls, the JSON shapes) stay lazy inside the bundle: esbuild
// wraps each in an initializer that runs on its first require().
// The addon and scripts/*.js are still found at run time from the package
// root (src/native/loader.ts walks up from the bundle's folder), so the
// bundle must stay at dist/cli/ inside the package. Run after tsc (the
// `compile` and `prepare` scripts).
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'cli', 'main.js');

function build() {
  // esbuild is a devDependency: present wherever `compile`/`prepare` runs
  // (npm test, npm pack, an install from git), never needed by an installed package.
  const { buildSync } = require('esbuild');
  const res = buildSync({
    entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${require(path.join(root, 'package.json')).engines.node.replace(/^>=\s*/, '').split('.')[0]}`,
    // The small dependencies every registry command loads go inside (no
    // node_modules lookup, no package.json reads at start-up); the others
    // (fast-glob, for rmtree only) are required from node_modules when used.
    external: ['fast-glob', 'node-gyp-build'],
    // Less text to parse at every start; names are kept for errors and stacks.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  if (res.errors.length) throw new Error(`esbuild failed: ${res.errors.map((e) => e.text).join('; ')}`);
  fs.chmodSync(outfile, 0o755);
  return res;
}

if (require.main === module) {
  const res = build();
  const inputs = Object.keys(res.metafile.inputs).length;
  const bytes = fs.statSync(outfile).size;
  process.stdout.write(`cli bundle: ${path.relative(root, outfile)} (${inputs} modules, ${(bytes / 1024).toFixed(0)} KiB)\n`);
}

module.exports = { build, outfile };
