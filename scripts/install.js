'use strict';
// The package's install step: a fallback only. A matching prebuild loads at
// run time with no install step at all (npm 12 blocks dependency install
// scripts by default; --ignore-scripts never runs them). So this keeps
// whatever binary here already loads with these sources' stamp (checked in a
// child: a dlopen cannot be undone) and compiles only when none does, saying
// so in one line. node-gyp takes the Node headers from npm's `nodedir` when
// it is set (CI sets it: nothing is downloaded). Where ephemdir is
// unsupported it builds nothing: the package installs, and refuses with
// EPHEMDIR_UNSUPPORTED_PLATFORM when used.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { computeStamp, recordStamp } = require('./native-stamp');
const target = require('./native-target');

const root = path.resolve(__dirname, '..');
const local = path.join(root, 'build', 'Release', 'ephemdir.node');

function say(line) {
  process.stderr.write(`ephemdir: ${line}\n`);
}

/** The first binary here (local build, then fitting prebuilds) that loads and carries these sources' stamp, or null. */
function fittingBinary(host) {
  const { candidates } = target.choosePrebuilds(target.listPrebuilds(root), host);
  const files = [...(fs.existsSync(local) ? [local] : []), ...candidates.map((c) => path.join(root, 'prebuilds', c))];
  if (files.length === 0) return null;
  const code =
    `const e=${JSON.stringify(computeStamp(root))};` +
    `for(const f of ${JSON.stringify(files)}){try{if(require(f).stamp===e){process.stdout.write(f);break}}catch{}}`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 && r.stdout ? r.stdout : null;
}

/** node-gyp: npm's own (during npm install/rebuild), else ours (a development checkout), else PATH's. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp];
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] })];
  } catch {
    return ['node-gyp'];
  }
}

/** Records the stamp so that loading need not hash the sources (see native-stamp.js). */
function record() {
  try {
    recordStamp(root);
  } catch {
    // a read-only package folder: the loader hashes instead
  }
}

/**
 * A failed compile fails the command only when a build was what was asked
 * for (`npm rebuild`, or installing this checkout itself). As a dependency
 * the install completes, so one package without a binary does not roll back
 * a whole project; using ephemdir then throws EPHEMDIR_NATIVE_UNAVAILABLE,
 * which names the fix.
 */
function buildWasAsked() {
  if (process.env.npm_command === 'rebuild') return true;
  try {
    return !!process.env.INIT_CWD && fs.realpathSync(process.env.INIT_CWD) === fs.realpathSync(root);
  } catch {
    return false;
  }
}

function main() {
  const supported = target.isSupported(process.platform);
  const host = supported ? target.hostTarget() : null;
  const found = supported ? fittingBinary(host) : null;
  switch (target.installAction({ platform: process.platform, fittingBinary: found !== null })) {
    case 'none':
      return 0;
    case 'keep':
      if (found === local) record();
      return 0;
    default:
      break;
  }
  say(`no prebuilt binary fits ${target.describeHost(host)} with these sources; compiling from source with node-gyp (needs python3, make and a C++ compiler)`);
  const [cmd, ...args] = nodeGyp();
  const r = spawnSync(cmd, [...args, 'rebuild'], { cwd: root, stdio: 'inherit', env: process.env });
  if (!r.error && r.status === 0 && fittingBinary(host) === local) {
    record();
    return 0;
  }
  say('could not compile; until it is built, using ephemdir fails with EPHEMDIR_NATIVE_UNAVAILABLE, which says how to fix it');
  return buildWasAsked() ? 1 : 0;
}

process.exit(main());
