// The bin is one bundled file (scripts/build-cli.js, run by `compile` and
// `prepare`): dist/cli/main.js compiles dist/cli/bundle.js (with its code
// cache, see cli-code-cache.test.ts) and every command runs from those,
// loading no other file of dist/ (the library's modules are inside the
// bundle, each evaluated only when its command needs it), while the addon
// and the scripts the loader reads are still found from the package root.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratch } from '../helpers/scratch';
import { repoRoot } from './packing';
import { cliEnv, runRecordingLoads, unexpectedLoads } from './cli-loaded';
import { COMMAND_NAMES } from '../../src/cli/commands/index';

const root = repoRoot(__dirname);
const BIN = 'dist/cli/main.js';
const BUNDLE = 'dist/cli/bundle.js';
const work = scratch('cli-bundle');
after(() => work.cleanup());
const env = cliEnv(work.dir);

test('package.json bin is the bundle, which compile and prepare build', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
  assert.equal(pkg.bin.ephemdir, BIN);
  for (const s of ['compile', 'prepare']) assert.match(pkg.scripts[s]!, /node scripts\/build-cli\.js/, `${s} builds the bundle`);
  const text = fs.readFileSync(path.join(root, BIN), 'utf8');
  assert.ok(text.startsWith('#!/usr/bin/env node\n'), 'runs as an executable');
  assert.ok((fs.statSync(path.join(root, BIN)).mode & 0o111) !== 0, 'executable');
  for (const f of [BIN, BUNDLE]) {
    assert.doesNotMatch(fs.readFileSync(path.join(root, f), 'utf8'), /require\("\.\.?\//, `${f}: no relative require left: every module is inside`);
  }
  assert.ok(fs.readFileSync(path.join(root, BUNDLE), 'latin1').startsWith('(function (exports, require, module, __filename, __dirname) {'), 'the bundle is one function expression');
});

test('new, list, list --json, path, rm, --version run from the bundle alone, the addon from the package root', () => {
  const parent = path.join(work.dir, 'dirs');
  fs.mkdirSync(parent, { recursive: true });
  const made = runRecordingLoads(root, BIN, ['new', '--parent', parent, '--lifetime', '1h', '--tag', 'b'], env, work.dir);
  assert.equal(made.run.status, 0, made.run.stderr);
  const dir = made.run.stdout.trim();
  assert.ok(fs.statSync(dir).isDirectory());
  assert.deepEqual(unexpectedLoads(made.loaded, BIN), []);
  assert.ok(made.loaded.some((f) => f.endsWith('.node')), `the addon was loaded from the package: ${made.loaded.join(', ')}`);
  const runs: [string[], (out: string) => void][] = [
    [['list'], (out) => assert.match(out, new RegExp(path.basename(dir)))],
    [['list', '--json'], (out) => assert.equal((JSON.parse(out) as { path: string }[])[0]!.path, dir)],
    [['path', path.basename(dir)], (out) => assert.equal(out.trim(), dir)],
    [['--version'], (out) => assert.match(out, /^ephemdir \d+\.\d+\.\d+/)],
    [['rm', path.basename(dir)], () => assert.equal(fs.existsSync(dir), false)],
  ];
  for (const [args, check] of runs) {
    const r = runRecordingLoads(root, BIN, args, env, work.dir);
    assert.equal(r.run.status, 0, `${args.join(' ')}: ${r.run.stderr}`);
    check(r.run.stdout);
    assert.deepEqual(unexpectedLoads(r.loaded, BIN), [], `${args.join(' ')} loads only the bundle`);
  }
});

test('every command is inside the bundle (its --help runs from it alone)', () => {
  for (const name of COMMAND_NAMES.filter((n) => n !== '__complete')) {
    const r = runRecordingLoads(root, BIN, [name, '--help'], env, work.dir);
    assert.equal(r.run.status, 0, `${name} --help: ${r.run.stderr}`);
    assert.match(r.run.stdout, new RegExp(`ephemdir ${name}`));
    assert.deepEqual(unexpectedLoads(r.loaded, BIN), [], `${name} --help`);
  }
});
