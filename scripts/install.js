'use strict';
// The package's install step. node-gyp-build accepts any prebuild for this
// platform, even one built from other sources, which the loader would then
// refuse. So: keep a local build or prebuild only if its embedded stamp
// matches these sources; otherwise let node-gyp-build build from source, and
// if a stale prebuild made it skip that, rebuild with node-gyp directly.
// Nothing is downloaded: node-gyp uses the machine's Node headers (nodedir).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { computeStamp, recordStamp } = require('./native-stamp');

const root = path.resolve(__dirname, '..');

function binaries() {
  const out = [path.join(root, 'build', 'Release', 'ephemdir.node')];
  const tuple = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  try {
    for (const f of fs.readdirSync(tuple)) if (f.endsWith('.node')) out.push(path.join(tuple, f));
  } catch {
    // no prebuilds for this platform
  }
  return out.filter((f) => fs.existsSync(f));
}

/** True when some binary carries the stamp of these sources (checked in a child: a dlopen cannot be undone). */
function matching() {
  const expected = computeStamp(root);
  const code = `const e=${JSON.stringify(expected)};process.exit(${JSON.stringify(binaries())}.some(f=>{try{return require(f).stamp===e}catch{return false}})?0:1)`;
  return spawnSync(process.execPath, ['-e', code], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.error) throw r.error;
  return r.status === 0;
}

if (process.platform !== 'linux' && process.platform !== 'darwin') {
  // Nothing to build: the package refuses at load time with one clear error.
  process.exit(0);
}
/** Exits; on success records the stamp so that loading need not hash the sources (see native-stamp.js). */
function done(ok) {
  if (ok) {
    try {
      recordStamp(root);
    } catch {
      // a read-only package folder: the loader hashes instead
    }
  }
  process.exit(ok ? 0 : 1);
}

if (matching()) done(true);
run(process.execPath, [require.resolve('node-gyp-build/bin.js')]);
if (matching()) done(true);
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp; // npm's own, during npm install
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    return null;
  }
}
const gyp = nodeGyp();
const ok = gyp ? run(process.execPath, [gyp, 'rebuild']) : run('node-gyp', ['rebuild']);
done(ok && matching());
