// The packed tarball installed as users install it, with no install step and
// no compiler: npm 12's defaults (dependency install scripts blocked), npm's
// --ignore-scripts, and npm with scripts on but a PATH holding only node, sh
// and npm. In each, require('ephemdir'), an ESM import and `npx ephemdir new`
// must work, from the prebuild alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { scratch } from '../helpers/scratch';
import { packTarball, repoRoot } from './packing';
import { runRecordingLoads, unexpectedLoads } from './cli-loaded';

const root = repoRoot(__dirname);
const work = scratch('install');
after(() => work.cleanup());

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop, so the scenarios overlap. */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A PATH folder with node, sh and the given npm: no compiler, make or python. */
function minimalBin(name: string, npmCli: string, npxCli: string): string {
  const bin = path.join(work.dir, name);
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync(npxCli, path.join(bin, 'npx'));
  return bin;
}

let tgz = '';
let npm12: string | null = null;
let npm12Why = '';
const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();

before(async () => {
  tgz = packTarball(root, path.join(work.dir, 'pack'));
  // npm 12 from the registry (or npm's cache), into a private prefix; it warns on Node 20 and works.
  const prefix = path.join(work.dir, 'npm12-prefix');
  const got = spawnSync('npm', ['install', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--cache', npmCache, 'npm@12'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const cli = path.join(prefix, 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (got.status === 0 && fs.existsSync(cli)) npm12 = path.dirname(cli);
  else npm12Why = `npm 12 could not be fetched from the registry or npm's cache: ${got.stderr.trim().split('\n').pop()}`;
});

const npm11Bin = path.dirname(fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()));

async function installAndUse(label: string, bin: string, installArgs: string[]) {
  const app = path.join(work.dir, label);
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: `app-${label}`, version: '1.0.0', private: true }));
  const env: NodeJS.ProcessEnv = {
    PATH: bin,
    HOME: path.join(work.dir, `home-${label}`),
    npm_config_cache: npmCache,
    npm_config_update_notifier: 'false',
    EPHEMDIR_DATA_DIR: path.join(work.dir, `data-${label}`),
    EPHEMDIR_CONFIG_DIR: path.join(work.dir, `config-${label}`),
  };
  // The PATH really holds no toolchain.
  const tools = spawnSync('/bin/sh', ['-c', 'for t in cc gcc g++ c++ clang make python3 python; do command -v $t; done; true'], { env, encoding: 'utf8' });
  assert.equal(tools.stdout, '', `no compiler, make or python on PATH: ${tools.stdout}`);

  const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...installArgs, tgz], { cwd: app, env });
  assert.equal(install.status, 0, `${label}: npm install failed:\n${install.stdout}\n${install.stderr}`);
  const pkg = path.join(app, 'node_modules', 'ephemdir');
  assert.equal(fs.existsSync(path.join(pkg, 'build', 'Release', 'ephemdir.node')), false, `${label}: nothing was compiled`);
  // Start-up need not hash the sources: the packed stamp record stands for them as unpacked.
  const known = spawnSync(process.execPath, ['-p', `require(${JSON.stringify(path.join(pkg, 'scripts', 'native-stamp.js'))}).knownStamp(${JSON.stringify(pkg)})`], { encoding: 'utf8' });
  assert.match(known.stdout.trim(), /^s[0-9a-f]{32}$/, `${label}: the packed stamp record stands: ${known.stdout}${known.stderr}`);

  fs.writeFileSync(
    path.join(app, 'cjs.js'),
    "const e = require('ephemdir');\n" +
      "const d = e.tempdirSync({ lifetime: '1h' });\n" +
      "require('fs').writeFileSync(d.path + '/f', 'x');\n" +
      'd.remove();\n' +
      "console.log(e.capabilities().platform, require('fs').existsSync(d.path));\n",
  );
  fs.writeFileSync(
    path.join(app, 'esm.mjs'),
    "import { tempdir } from 'ephemdir';\n" +
      "import { existsSync } from 'node:fs';\n" +
      "const d = await tempdir({ lifetime: '1h' });\n" +
      'const made = existsSync(d.path);\n' +
      'await d.remove();\n' +
      'console.log(made, existsSync(d.path));\n',
  );
  const [cjs, esm, npx] = await Promise.all([
    run('node', ['cjs.js'], { cwd: app, env }),
    run('node', ['esm.mjs'], { cwd: app, env }),
    run('npx', ['--no-install', 'ephemdir', 'new', '--lifetime', '1h'], { cwd: app, env }),
  ]);
  assert.equal(cjs.status, 0, `${label}: require:\n${cjs.stderr}`);
  assert.equal(cjs.stdout.trim(), `${process.platform} false`);
  assert.equal(esm.status, 0, `${label}: import:\n${esm.stderr}`);
  assert.equal(esm.stdout.trim(), 'true false');
  assert.equal(npx.status, 0, `${label}: npx ephemdir new:\n${npx.stderr}`);
  const made = npx.stdout.trim();
  assert.ok(made.startsWith(app + path.sep) && fs.statSync(made).isDirectory(), `${label}: npx ephemdir new made ${made}`);
  // The installed bin is the bundle: `list` runs from it alone (the addon from the package root).
  const binFile = (JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.ephemdir!;
  const listed = runRecordingLoads(pkg, binFile, ['list'], env, app);
  assert.equal(listed.run.status, 0, `${label}: ephemdir list:\n${listed.run.stderr}`);
  assert.ok(listed.run.stdout.includes(path.basename(made)), `${label}: list shows ${made}`);
  assert.deepEqual(unexpectedLoads(listed.loaded, binFile), [], `${label}: the installed bin loads no other file of dist/`);
  // The crash-test switch (test/helpers/crash-hook.ts) is not in the package:
  // no installed code reads EPHEMDIR_CRASH_AT, and setting it changes nothing.
  const shipped = execFileSync('find', [path.join(pkg, 'dist'), '-name', '*.js'], { encoding: 'utf8' }).trim().split('\n');
  assert.ok(shipped.length > 10, `${label}: dist/ is installed`);
  for (const f of shipped) assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /EPHEMDIR_CRASH_AT|crash-hook/, `${f} has no crash-test switch`);
  fs.writeFileSync(
    path.join(app, 'crash.js'),
    "const e = require('ephemdir');\n" +
      "const d = e.tempdirSync({ lifetime: 0 });\n" +
      "e.sweep().then((r) => console.log(r.removed.length, require('fs').existsSync(d.path)));\n",
  );
  const crash = await run('node', ['crash.js'], { cwd: app, env: { ...env, EPHEMDIR_CRASH_AT: 'after-intent' } });
  assert.equal(crash.status, 0, `${label}: EPHEMDIR_CRASH_AT must change nothing:\n${crash.stderr}`);
  assert.equal(crash.stdout.trim(), '1 false');
  return { app, pkg, install };
}

test('installs and runs from the prebuild under npm 12 defaults, --ignore-scripts, and with no compiler on PATH', async (t) => {
  const bin11 = minimalBin('bin11', path.join(npm11Bin, 'npm-cli.js'), path.join(npm11Bin, 'npx-cli.js'));
  const scenarios: Promise<unknown>[] = [
    installAndUse('ignore-scripts', bin11, ['--ignore-scripts']),
    // Scripts on: the install step runs, finds the prebuild fits, and compiles nothing.
    installAndUse('no-compiler', bin11, ['--foreground-scripts']).then(({ install }) => {
      assert.match(install.stdout + install.stderr, /> node scripts\/install\.js/, 'the install step ran');
      assert.doesNotMatch(install.stderr + install.stdout, /compiling from source/);
    }),
  ];
  if (npm12) {
    const bin12 = minimalBin('bin12', path.join(npm12, 'npm-cli.js'), path.join(npm12, 'npx-cli.js'));
    scenarios.push(
      installAndUse('npm12-defaults', bin12, []).then(({ install }) => {
        // npm 12 really did skip our install script (and says so).
        const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
        assert.ok((install.stdout + install.stderr).includes(`ephemdir@${version} (install: node scripts/install.js`), install.stderr);
      }),
    );
  } else {
    t.diagnostic(`npm 12 scenario skipped: ${npm12Why}`);
  }
  await Promise.all(scenarios);
  if (!npm12) t.skip(npm12Why);
});
