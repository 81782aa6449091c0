'use strict';
// Builds the prebuilt binaries that ship in the tarball (npm runs this as
// `prepack`), with prebuildify: N-API, stripped, tagged with their libc so a
// glibc binary is never picked on musl. On linux-x64 it builds linux-x64 and,
// with Debian's cross compiler (g++-aarch64-linux-gnu), linux-arm64; on other
// hosts, the host's own (macOS: one universal binary, see binding.gyp).
//
// Nothing is downloaded: node-gyp compiles against this machine's Node headers
// (npm's nodedir; /usr here). Each build runs in a scratch copy of the sources,
// so the local build in build/ is left alone, and lands in prebuilds/ by rename.
// A prebuild already there is kept when it carries the stamp of these sources
// (scripts/native-stamp.js), so a second run, or one over prebuilds collected
// from other machines (the release workflow), builds nothing.
//
//   node scripts/prebuild.js            build what is missing or stale
//   node scripts/prebuild.js --force    rebuild this host's prebuilds
//   node scripts/prebuild.js --verify [--release]
//                                       check every prebuild (and, with
//                                       --release, that every platform is there)
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { computeStamp } = require('./native-stamp');
const abi = require('./abi-floor');

const root = path.resolve(__dirname, '..');
const NAME = 'ephemdir';

/** The C library of this Linux machine ('glibc' when the runtime reports a glibc version). */
function hostLibc() {
  if (process.platform !== 'linux') return null;
  const header = process.report.getReport().header;
  return header.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** Where a prebuild for a target lives, relative to the package root. */
function prebuildPath(t) {
  const tags = [NAME, 'napi', ...(t.libc ? [t.libc] : [])];
  return path.join('prebuilds', `${t.platform}-${t.arch}`, `${tags.join('.')}.node`);
}

const CROSS = {
  // Debian's cross toolchain for 64-bit ARM (package g++-aarch64-linux-gnu).
  'linux-x64>arm64': { prefix: 'aarch64-linux-gnu-', packages: 'g++-aarch64-linux-gnu binutils-aarch64-linux-gnu' },
};

/** The prebuilds this host makes by default. */
function hostTargets() {
  if (process.platform === 'darwin') return [{ platform: 'darwin', arch: 'x64+arm64', libc: null }];
  if (process.platform !== 'linux') return [];
  const libc = hostLibc();
  const own = { platform: 'linux', arch: process.arch, libc };
  if (process.arch === 'x64' && libc === 'glibc') return [own, { platform: 'linux', arch: 'arm64', libc: 'glibc' }];
  return [own];
}

/** Every prebuild a release tarball holds (the release workflow collects them). */
const RELEASE_TARGETS = [
  { platform: 'linux', arch: 'x64', libc: 'glibc' },
  { platform: 'linux', arch: 'arm64', libc: 'glibc' },
  { platform: 'linux', arch: 'x64', libc: 'musl' },
  { platform: 'linux', arch: 'arm64', libc: 'musl' },
  { platform: 'darwin', arch: 'x64+arm64', libc: null },
];

/** True when the file exists and embeds the stamp (a string constant in the binary, any architecture). */
function carriesStamp(file, stamp) {
  try {
    return fs.readFileSync(file).includes(Buffer.from(stamp));
  } catch {
    return false;
  }
}

/** Every reason the prebuild at `file` for target `t` must not ship (empty when it may). */
function checkPrebuild(file, t, stamp) {
  if (!fs.existsSync(file)) return [`${path.relative(root, file)} is missing`];
  const out = [];
  if (!carriesStamp(file, stamp)) out.push('does not carry the stamp of these sources');
  if (t.platform === 'linux') out.push(...abi.problems(abi.readElf(file), t));
  return out.map((p) => (p.endsWith('missing') ? p : `${path.relative(root, file)} ${p}`));
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The environment that makes node-gyp build for `t` on this host with nothing downloaded. */
function buildEnv(t) {
  const env = { ...process.env };
  // The machine's own headers (include/node under Node's prefix), never a download.
  env.npm_config_nodedir ||= path.dirname(path.dirname(process.execPath));
  env.PREBUILD_LIBC = t.libc || '';
  if (t.platform === process.platform && t.arch === process.arch) return env;
  if (t.platform === 'darwin') return env; // universal: both slices from one clang
  const cross = CROSS[`${process.platform}-${process.arch}>${t.arch}`];
  if (!cross) throw new Error(`cannot build ${t.platform}-${t.arch} on ${process.platform}-${process.arch}`);
  if (!which(`${cross.prefix}g++`)) {
    throw new Error(`${t.platform}-${t.arch} needs the cross compiler ${cross.prefix}g++: apt-get install ${cross.packages}`);
  }
  Object.assign(env, {
    CC: `${cross.prefix}gcc`,
    CXX: `${cross.prefix}g++`,
    LINK: `${cross.prefix}g++`,
    AR: `${cross.prefix}ar`,
    PREBUILD_STRIP_BIN: `${cross.prefix}strip`,
  });
  return env;
}

/** Builds one prebuild in a scratch copy of the sources and moves it into prebuilds/. */
function build(t, stamp) {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-prebuild-'));
  try {
    for (const f of ['package.json', 'binding.gyp']) fs.copyFileSync(path.join(root, f), path.join(stage, f));
    fs.cpSync(path.join(root, 'native'), path.join(stage, 'native'), { recursive: true });
    fs.mkdirSync(path.join(stage, 'scripts'));
    fs.copyFileSync(path.join(root, 'scripts', 'native-stamp.js'), path.join(stage, 'scripts', 'native-stamp.js'));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'));
    const args = [
      require.resolve('prebuildify/bin.js', { paths: [root] }),
      '--napi',
      '--strip',
      '--target',
      `node@${process.versions.node}`,
      '--arch',
      t.arch,
      '--cache',
      path.join(stage, '.devdir'),
    ];
    if (t.libc) args.push('--tag-libc');
    run(process.execPath, args, { cwd: stage, env: buildEnv(t) });
    // prebuildify names it <name>[.<libc>].node; ours also says napi (node-gyp-build reads both).
    const outDir = path.join(stage, path.dirname(prebuildPath(t)));
    const made = fs.readdirSync(outDir).filter((f) => f.endsWith('.node'));
    if (made.length !== 1) throw new Error(`prebuildify left ${made.length} binaries in ${outDir}`);
    const built = path.join(outDir, made[0]);
    const problems = checkPrebuild(built, t, stamp);
    if (problems.length) throw new Error(`the ${t.platform}-${t.arch} prebuild cannot ship:\n  ${problems.join('\n  ')}`);
    const dest = path.join(root, prebuildPath(t));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.tmp`;
    fs.copyFileSync(built, tmp);
    fs.renameSync(tmp, dest);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** Linux binaries with no libc tag would load on either libc: never leave one in prebuilds/. */
function removeUntagged() {
  for (const dir of fs.existsSync(path.join(root, 'prebuilds')) ? fs.readdirSync(path.join(root, 'prebuilds')) : []) {
    if (!dir.startsWith('linux-')) continue;
    for (const f of fs.readdirSync(path.join(root, 'prebuilds', dir))) {
      if (f.endsWith('.node') && !/\.(glibc|musl)\.node$/.test(f)) {
        fs.rmSync(path.join(root, 'prebuilds', dir, f));
        console.error(`prebuild: removed ${dir}/${f} (no libc tag)`);
      }
    }
  }
}

function main(argv) {
  const stamp = computeStamp(root);
  if (argv.includes('--verify')) {
    const targets = argv.includes('--release') ? RELEASE_TARGETS : hostTargets();
    const problems = targets.flatMap((t) => checkPrebuild(path.join(root, prebuildPath(t)), t, stamp));
    if (problems.length) {
      console.error(`prebuild: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
      return 1;
    }
    console.log(`prebuild: ${targets.map(prebuildPath).join(', ')} carry stamp ${stamp} and stay within the ABI floors`);
    return 0;
  }
  removeUntagged();
  for (const t of hostTargets()) {
    const rel = prebuildPath(t);
    if (!argv.includes('--force') && checkPrebuild(path.join(root, rel), t, stamp).length === 0) {
      console.log(`prebuild: ${rel} is up to date`);
      continue;
    }
    const started = Date.now();
    build(t, stamp);
    console.log(`prebuild: built ${rel} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return 0;
}

module.exports = { hostTargets, hostLibc, prebuildPath, checkPrebuild, carriesStamp, RELEASE_TARGETS };

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (e) {
    console.error(`prebuild: ${e.message}`);
    process.exit(1);
  }
}
