'use strict';
// Builds the command line that the package's `bin` runs, over the per-module
// output tsc wrote to dist/cli/ (run after tsc: the `compile` and `prepare`
// scripts):
//   dist/cli/bundle.js        src/cli/main.ts and everything it requires, in
//                             one file, as one function expression that the
//                             bin compiles (a process that starts `ephemdir`
//                             reads one file instead of resolving ~60 modules);
//   dist/cli/bundle.js.cache  V8's code cache for it, made by this node (see
//                             src/cli/launch.ts for when it is used);
//   dist/cli/main.js          the bin: src/cli/launch.ts, which loads the two.
// Modules the CLI requires lazily (one command's file, the API module it
// calls, the JSON shapes) stay lazy inside the bundle: esbuild wraps each in
// an initializer that runs on its first require().
// The addon and scripts/*.js are still found at run time from the package
// root (src/native/loader.ts walks up from the bundle's folder), so the
// bundle must stay at dist/cli/ inside the package.
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const cliDir = path.join(root, 'dist', 'cli');
const outfile = path.join(cliDir, 'main.js');
const bundleFile = path.join(cliDir, 'bundle.js');
const cacheFile = `${bundleFile}.cache`;

function check(res) {
  if (res.errors.length) throw new Error(`esbuild failed: ${res.errors.map((e) => e.text).join('; ')}`);
  return res;
}

function build() {
  // esbuild is a devDependency: present wherever `compile`/`prepare` runs
  // (npm test, npm pack, an install from git), never needed by an installed package.
  const { buildSync } = require('esbuild');
  const target = `node${require(path.join(root, 'package.json')).engines.node.replace(/^>=\s*/, '').split('.')[0]}`;
  // A cache left from an earlier build must never sit beside a new bundle.
  fs.rmSync(cacheFile, { force: true });
  const res = check(buildSync({
    entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
    outfile: bundleFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target,
    // One function expression, called by the bin as node calls a module's
    // (launch.ts: loadBundle), so that vm.Script can compile it with a cache.
    banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
    footer: { js: '})' },
    // The small dependencies every registry command loads go inside (no
    // node_modules lookup, no package.json reads at start-up); the others
    // (fast-glob, for rmtree only) are required from node_modules when used.
    external: ['fast-glob', 'node-gyp-build'],
    // Less text to parse at every start; names are kept for errors and stacks.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    charset: 'ascii',
    logLevel: 'warning',
    metafile: true,
  }));
  shareBuiltinNamespaces();
  check(buildSync({
    entryPoints: [path.join(root, 'src', 'cli', 'launch.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target,
    logLevel: 'warning',
  }));
  fs.chmodSync(outfile, 0o755);
  const cache = makeCache();
  return { ...res, cache };
}

/**
 * esbuild turns each `import * as fs from 'node:fs'` into its own
 * `__toESM(require("node:fs"))`: a copy of every export as a getter, made
 * again in each of the ~40 modules that import a builtin (~1 ms of a
 * start-up). One namespace per builtin, made on first use, is what ES
 * modules would give anyway (namespace objects are only read).
 */
function shareBuiltinNamespaces() {
  const text = fs.readFileSync(bundleFile, 'latin1');
  const site = /__toESM\(require\("(node:[a-z_/]+)"\)\)/g;
  const sites = text.match(site)?.length ?? 0;
  if (sites === 0) throw new Error('build-cli: no __toESM(require("node:...")) in the bundle: esbuild changed its output; revisit shareBuiltinNamespaces');
  const memo = 'var __builtinNs=new Map(),__nodeNs=id=>{let ns=__builtinNs.get(id);return ns===void 0&&(ns=__toESM(require(id)),__builtinNs.set(id,ns)),ns};';
  const out = text.replace(/^(\(function \(exports, require, module, __filename, __dirname\) \{\n"use strict";)/, `$1${memo}`).replace(site, '__nodeNs("$1")');
  if (!out.includes(memo) || /__toESM\(require\("node:/.test(out)) throw new Error('build-cli: could not share the builtin namespaces');
  fs.writeFileSync(bundleFile, out, 'latin1');
}

/**
 * Writes the code cache, made by a child node with no NODE_OPTIONS or flags
 * (V8 refuses a cache made under other flags). A failure leaves no cache
 * (the bin then compiles without one) and says why.
 */
function makeCache() {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  let work = null;
  try {
    work = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ephemdir-cli-cache-'));
    env.EPHEMDIR_DATA_DIR = path.join(work, 'data');
    env.EPHEMDIR_CONFIG_DIR = path.join(work, 'config');
    const r = spawnSync(process.execPath, [__filename, '--make-cache', work], { env, encoding: 'utf8', cwd: work });
    if (r.status !== 0) throw new Error((r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]);
    return { ok: true, bytes: fs.statSync(cacheFile).size, trained: r.stdout.trim() };
  } catch (err) {
    // Only a cache: the bin compiles without one.
    fs.rmSync(cacheFile, { force: true });
    return { ok: false, why: err.message };
  } finally {
    if (work !== null) fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A writable stream that collects what is written to it (the training runs' output). */
function collector() {
  const { Writable } = require('node:stream');
  const chunks = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  w.text = () => Buffer.concat(chunks).toString('utf8');
  return w;
}

/**
 * In the child: compiles the bundle, runs its top level, then the commands
 * users start most (new, list, path, rm) against a throwaway registry in
 * `work`, so that the cache holds the functions they compile too (V8 puts
 * every function compiled so far into it). A training command that fails
 * only makes the cache smaller.
 */
async function makeCacheHere(work) {
  const vm = require('node:vm');
  const { encodeCache } = require(path.join(cliDir, 'launch.js'));
  const bundle = fs.readFileSync(bundleFile);
  const script = new vm.Script(bundle.toString('utf8'), { filename: bundleFile });
  const mod = { exports: {}, filename: bundleFile, id: bundleFile, loaded: false };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, bundleFile, cliDir);
  const { main, runBin } = mod.exports;
  if (typeof runBin !== 'function' || typeof main !== 'function') throw new Error('the bundle does not export main and runBin');
  const parent = path.join(work, 'dirs');
  fs.mkdirSync(parent, { mode: 0o700 });
  const results = [];
  const run = async (...argv) => {
    const stdout = collector();
    const code = await main(argv, { stdout, stderr: collector(), stdin: process.stdin }, { ...process.env, NO_COLOR: '1' });
    results.push(`${argv[0]}:${code}`);
    return stdout.text().trim();
  };
  const made = await run('new', '--parent', parent, '--lifetime', '1h');
  await run('new', '--parent', parent, '--lifetime', '2h', '--tag', 'a');
  await run('list');
  {
    // As in a terminal: the colored, width-fitted rendering.
    const stdout = Object.assign(collector(), { isTTY: true, columns: 100 });
    const env = { ...process.env };
    delete env.NO_COLOR;
    results.push(`list(tty):${await main(['list'], { stdout, stderr: collector(), stdin: process.stdin }, env)}`);
  }
  await run('list', '--json');
  await run('list', '--tag', 'a');
  if (made) await run('path', path.basename(made));
  await run('--version');
  if (made) await run('rm', path.basename(made));
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, encodeCache(bundle, script.createCachedData()), { mode: 0o644 });
  fs.renameSync(tmp, cacheFile);
  process.stdout.write(results.join(' ') + '\n');
}

if (require.main === module) {
  if (process.argv[2] === '--make-cache') {
    makeCacheHere(process.argv[3]).then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`${err.stack ?? err}\n`);
        process.exit(1);
      },
    );
  } else {
    const res = build();
    const inputs = Object.keys(res.metafile.inputs).length;
    const bytes = fs.statSync(bundleFile).size;
    const cache = res.cache.ok ? `code cache ${(res.cache.bytes / 1024).toFixed(0)} KiB (trained: ${res.cache.trained})` : `no code cache (${res.cache.why})`;
    process.stdout.write(`cli bundle: ${path.relative(root, bundleFile)} (${inputs} modules, ${(bytes / 1024).toFixed(0)} KiB), ${cache}; bin ${path.relative(root, outfile)}\n`);
  }
}

module.exports = { build, outfile, bundleFile, cacheFile };
