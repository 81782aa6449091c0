// The bin compiles the bundle with the V8 code cache the build wrote beside
// it (src/cli/launch.ts): used when it belongs to exactly these bytes of the
// bundle and is intact, and otherwise a plain compile that behaves the same.
// V8 alone would accept a cache whose data is damaged (and crash) or that was
// made from another bundle of the same length (and run the old code).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { scratch } from '../helpers/scratch';
import { repoRoot } from './packing';
import { cliEnv } from './cli-loaded';
import { CACHE_HEADER_BYTES, CACHE_MAGIC, ENGINE, cacheFor, encodeCache, hash64 } from '../../src/cli/launch';

const root = repoRoot(__dirname);
const CLI = path.join(root, 'dist', 'cli');
const work = scratch('cli-code-cache');
after(() => work.cleanup());
const env = cliEnv(work.dir);
const VERSION = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** Whether the bin in `cliDir` finds its cache usable: loads its bundle in a child and says. */
function cacheUsed(cliDir: string): boolean {
  const code = `const l = require(${JSON.stringify(path.join(cliDir, 'main.js'))}).loadBundle(${JSON.stringify(path.join(cliDir, 'bundle.js'))}, require);
if (typeof l.exports.main !== 'function') throw new Error('no main');
process.stdout.write(String(l.cacheUsed));`;
  const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout === 'true';
}

function run(cliDir: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [path.join(cliDir, 'main.js'), ...args], { env, encoding: 'utf8', cwd: work.dir, timeout: 30_000 });
}

/** A copy of the bin, bundle and cache in a package folder of its own (no addon: --version and --help run without it). */
function copyPackage(name: string): string {
  const pkg = path.join(work.dir, name);
  const dir = path.join(pkg, 'dist', 'cli');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'ephemdir', version: VERSION }));
  for (const f of ['main.js', 'bundle.js', 'bundle.js.cache']) fs.copyFileSync(path.join(CLI, f), path.join(dir, f));
  return dir;
}

test('the build writes a code cache beside the bundle, and the bin uses it', () => {
  assert.ok(fs.statSync(path.join(CLI, 'bundle.js.cache')).size > CACHE_HEADER_BYTES, 'dist/cli/bundle.js.cache is there');
  assert.equal(cacheUsed(CLI), true, 'the cache the build made is accepted by this node');
  const r = run(CLI, ['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `ephemdir ${VERSION}\n`);
});

test('hash64 (WebAssembly) is FNV-1a over zero-padded 64-bit little-endian words', () => {
  const reference = (b: Uint8Array): bigint => {
    const padded = Buffer.alloc(Math.ceil(b.length / 8) * 8);
    padded.set(b);
    let h = 0xcbf29ce484222325n;
    for (let i = 0; i < padded.length; i += 8) h = BigInt.asUintN(64, (h ^ padded.readBigUInt64LE(i)) * 0x100000001b3n);
    return BigInt.asIntN(64, h);
  };
  const inputs = [0, 1, 7, 8, 9, 63, 64, 65, 1000, 70_000].map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff)));
  for (const b of inputs) assert.equal(hash64(b), reference(b), `${b.length} bytes`);
  assert.notEqual(hash64(Buffer.from([1])), hash64(Buffer.from([2])));
});

test('the cache is refused unless it is intact and was made from exactly this bundle (table)', () => {
  const bundle = Buffer.from('(function () { return 1 })');
  const data = Buffer.from('some bytes V8 made');
  const file = encodeCache(bundle, data);
  assert.equal(file.toString('latin1', 0, CACHE_MAGIC.length), CACHE_MAGIC);
  assert.equal(file.toString('latin1', CACHE_MAGIC.length, CACHE_MAGIC.length + ENGINE.length), ENGINE);
  assert.deepEqual(cacheFor(file, bundle), data);
  const flip = (b: Buffer, at: number): Buffer => {
    const c = Buffer.from(b);
    c[at]! ^= 0x01;
    return c;
  };
  const sameLength = Buffer.from('(function () { return 2 })');
  const cases: [string, Buffer, Buffer][] = [
    ['empty file', Buffer.alloc(0), bundle],
    ['header only', file.subarray(0, CACHE_HEADER_BYTES), bundle],
    ['truncated', file.subarray(0, file.length - 1), bundle],
    ['another format', flip(file, 0), bundle],
    ['made by another V8 or architecture', encodeCache(bundle, data, `0.0.0 ${process.arch}`), bundle],
    ['the engine field damaged', flip(file, CACHE_MAGIC.length + 1), bundle],
    ['bundle length differs', flip(file, CACHE_MAGIC.length + 32), bundle],
    ['one byte of the data flipped', flip(file, CACHE_HEADER_BYTES + 3), bundle],
    ['the data hash flipped', flip(file, CACHE_MAGIC.length + 32 + 16), bundle],
    ['the bundle hash flipped', flip(file, CACHE_MAGIC.length + 32 + 8), bundle],
    ['data length differs', flip(file, CACHE_MAGIC.length + 32 + 4), bundle],
    ['another bundle of the same length', file, sameLength],
    ['a longer bundle', file, Buffer.concat([bundle, Buffer.from(' ')])],
  ];
  for (const [what, f, b] of cases) assert.equal(cacheFor(f, b), undefined, what);
});

test('a damaged, stale, foreign or missing cache: a plain compile, same output', () => {
  const want = { version: `ephemdir ${VERSION}\n`, help: run(CLI, ['list', '--help']).stdout };
  assert.match(want.help, /ephemdir list/);
  const v8Data = (dir: string): Buffer => fs.readFileSync(path.join(dir, 'bundle.js.cache')).subarray(CACHE_HEADER_BYTES);
  const rewrite = (dir: string, data: Buffer): void => {
    fs.writeFileSync(path.join(dir, 'bundle.js.cache'), encodeCache(fs.readFileSync(path.join(dir, 'bundle.js')), data));
  };
  const variants: [string, (dir: string) => void][] = [
    ['missing', (dir) => fs.rmSync(path.join(dir, 'bundle.js.cache'))],
    ['empty', (dir) => fs.writeFileSync(path.join(dir, 'bundle.js.cache'), '')],
    ['truncated', (dir) => fs.truncateSync(path.join(dir, 'bundle.js.cache'), 4096)],
    ['garbage', (dir) => fs.writeFileSync(path.join(dir, 'bundle.js.cache'), Buffer.alloc(200_000, 0x5a))],
    [
      // V8 would take this one and crash (it checks no checksum of its data): our hash refuses it.
      'a byte in the middle of V8 data flipped',
      (dir) => {
        const p = path.join(dir, 'bundle.js.cache');
        const f = fs.readFileSync(p);
        f[CACHE_HEADER_BYTES + ((f.length - CACHE_HEADER_BYTES) >> 1)]! ^= 0x5a;
        fs.writeFileSync(p, f);
      },
    ],
    [
      // Another node's cache (another V8 version/flags): our header is right, V8 itself refuses it.
      "V8's own header says another V8",
      (dir) => {
        const d = Buffer.from(v8Data(dir));
        d[4]! ^= 0xff; // V8's version hash
        rewrite(dir, d);
      },
    ],
    ['a cache of zero V8 bytes with a right header', (dir) => rewrite(dir, Buffer.alloc(0))],
    [
      // What a package built under another Node looks like: refused before anything is hashed.
      'made by another V8',
      (dir) => fs.writeFileSync(path.join(dir, 'bundle.js.cache'), encodeCache(fs.readFileSync(path.join(dir, 'bundle.js')), v8Data(dir), `1.2.3 ${process.arch}`)),
    ],
    [
      // Opened without blocking, then refused as no regular file: the start does not hang on it.
      'a FIFO',
      (dir) => {
        fs.rmSync(path.join(dir, 'bundle.js.cache'));
        execFileSync('mkfifo', [path.join(dir, 'bundle.js.cache')]);
      },
    ],
  ];
  for (const [what, damage] of variants) {
    const dir = copyPackage(what.replace(/\W+/g, '-'));
    assert.equal(cacheUsed(dir), true, `${what}: the undamaged copy is used`);
    damage(dir);
    assert.equal(cacheUsed(dir), false, `${what}: not used`);
    for (const [args, out] of [[['--version'], want.version], [['list', '--help'], want.help]] as const) {
      const r = run(dir, [...args]);
      assert.equal(r.status, 0, `${what}, ${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, out, `${what}, ${args.join(' ')}`);
      assert.equal(r.stderr, '', what);
    }
  }
});

test('a bundle changed after the build (same length) runs as changed: the old cache is not used', () => {
  const dir = copyPackage('patched');
  const p = path.join(dir, 'bundle.js');
  const text = fs.readFileSync(p, 'latin1');
  // The --version line, in main(): compiled into the cache by the build's training runs.
  const from = 'stdout.write(`ephemdir ${version()}';
  assert.ok(text.includes(from), 'the --version line is in the bundle');
  fs.writeFileSync(p, text.replace(from, from.replace('ephemdir', 'EPHEMDIR')), 'latin1');
  assert.equal(fs.statSync(p).size, text.length, 'same length: V8 alone would take the old cache');
  assert.equal(cacheUsed(dir), false);
  const r = run(dir, ['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `EPHEMDIR ${VERSION}\n`);
});

test('without WebAssembly (node --jitless) the bin runs, compiling without the cache', () => {
  const r = spawnSync(process.execPath, ['--jitless', path.join(CLI, 'main.js'), '--version'], { env, encoding: 'utf8', cwd: work.dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `ephemdir ${VERSION}\n`);
});

test('stack traces of the bundle name the bundle file', () => {
  // main() with no streams fails inside the bundle (report() writes to them): its stack shows where.
  const code = `const l = require(${JSON.stringify(path.join(CLI, 'main.js'))}).loadBundle(${JSON.stringify(path.join(CLI, 'bundle.js'))}, require);
l.exports.main(['--version'], null, process.env).then(() => process.stdout.write('no error'), (e) => process.stdout.write(e.stack));`;
  const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /at \w+ \(.*dist\/cli\/bundle\.js:\d+:\d+\)/, r.stdout);
});
