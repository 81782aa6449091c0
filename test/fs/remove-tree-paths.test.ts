// The path argument of the tree functions as the caller wrote it: an empty
// path and a last component of '.' or '..' are refused before anything is
// opened (in every public function taking a tree path), '/' and its
// spellings are protected, and file: URLs and Buffers (raw bytes, not
// UTF-8) name the same trees strings do.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { scratch } from '../helpers/scratch';
import { isolatedEnv } from '../helpers/api-env';
import { removeTree, removeTreeSync } from '../../src/fs/remove-tree';
import { scanTree, scanTreeSync } from '../../src/fs/scan-tree';
import { fileUrlBytes, lastComponentProblem, splitComponents, treePath } from '../../src/fs/tree-path';
import { createTempDir, root, TempFiles, FileStore } from '../../src/companions';
import * as api from '../../src/api/index';
import { followProblem, transitionProblem, type LinkFacts } from '../../src/fs/walk';

const env = isolatedEnv('paths');
after(() => env.cleanup());

function touch(p: string, data = 'x'): void {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
}

test('lastComponentProblem: decided on the bytes as written, before normalising', () => {
  const table: Array<[string, boolean]> = [
    ['.', true],
    ['..', true],
    ['a/.', true],
    ['a/./', true],
    ['a/..', true],
    ['..//', true],
    ['./', true],
    ['/a/b/..', true],
    ['/a/b/.//', true],
    ['a', false],
    ['a/', false],
    ['...', false],
    ['.a', false],
    ['a/..b', false],
    ['/', false], // the root is refused as a protected path, not here
    ['../a', false],
  ];
  for (const [p, refused] of table) assert.equal(lastComponentProblem(Buffer.from(p)) !== null, refused, p);
  assert.deepEqual(splitComponents(Buffer.from('/a/./b//../c/')).map(String), ['a', 'b', '..', 'c']);
});

test('fileUrlBytes: file: only, no host, no encoded slash, percent escapes decoded to bytes', () => {
  assert.deepEqual(fileUrlBytes(new URL('file:///tmp/a%20b')), Buffer.from('/tmp/a b'));
  assert.deepEqual(fileUrlBytes(new URL('file:///tmp/%FF%fe')), Buffer.from([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xff, 0xfe]));
  assert.deepEqual(fileUrlBytes(new URL('file:///tmp/%C3%A9')), Buffer.from('/tmp/é'));
  assert.deepEqual(fileUrlBytes(new URL('file:///tmp/é')), Buffer.from('/tmp/é'));
  for (const bad of ['http://example.com/x', 'https://h/x', 'data:text/plain,x', 'file://host/tmp/x', 'file:///tmp/a%2Fb', 'file:///tmp/a%2fb']) {
    assert.throws(() => fileUrlBytes(new URL(bad)), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, bad);
  }
  for (const bad of [undefined, null, 42, {}, [], '', Buffer.alloc(0), 'a\0b']) {
    assert.throws(() => treePath(bad), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, String(bad));
  }
});

// Every entry point that takes a tree path, sync and async.
const entryPoints: Array<[string, (p: unknown) => unknown]> = [
  ['removeTree', (p) => removeTree(p as string)],
  ['removeTreeSync', (p) => removeTreeSync(p as string)],
  ['removeTree keepRoot', (p) => removeTree(p as string, { keepRoot: true })],
  ['scanTree', (p) => scanTree(p as string)],
  ['scanTreeSync', (p) => scanTreeSync(p as string)],
];

test('an empty path, "." and ".." (also with trailing slashes) are refused and nothing is touched', async () => {
  using s = scratch('paths');
  const cwd = process.cwd();
  try {
    const here = path.join(s.dir, 'parent', 'cwd');
    touch(path.join(here, 'sub', 'keep'));
    touch(path.join(s.dir, 'parent', 'sibling'));
    process.chdir(here);
    const bad: unknown[] = [
      '',
      '.',
      '..',
      './',
      '..//',
      'sub/.',
      'sub/./',
      'sub/..',
      `${here}/.`,
      `${here}/..`,
      `${here}/sub/..`,
      `${here}/sub/..//`,
      Buffer.from('.'),
      Buffer.from('sub/..'),
      Buffer.alloc(0),
    ];
    for (const [label, fn] of entryPoints) {
      for (const p of bad) {
        const shown = `${label}(${JSON.stringify(Buffer.isBuffer(p) ? p.toString() : p)})`;
        try {
          await fn(p);
          assert.fail(`${shown} resolved`);
        } catch (err) {
          assert.equal((err as { code?: string }).code, 'EPHEMDIR_INVALID_ARGUMENT', `${shown}: ${String(err)}`);
        }
      }
    }
    assert.ok(fs.existsSync(path.join(here, 'sub', 'keep')), 'the cwd was touched');
    assert.ok(fs.existsSync(path.join(s.dir, 'parent', 'sibling')), 'a parent was touched');
    // '/' and its spellings stay protected.
    for (const p of ['/', '//', '///', Buffer.from('/'), new URL('file:///')]) {
      await assert.rejects(Promise.resolve().then(() => removeTree(p)), { code: 'EPHEMDIR_PROTECTED_PATH' }, String(p));
      assert.throws(() => removeTreeSync(p), { code: 'EPHEMDIR_PROTECTED_PATH' }, String(p));
    }
  } finally {
    process.chdir(cwd);
  }
});

test('the companions and tempdir() refuse the same directory arguments', () => {
  using s = scratch('paths');
  const d = path.join(s.dir, 'd');
  fs.mkdirSync(path.join(d, 'x'), { recursive: true });
  touch(path.join(d, 'keep'));
  for (const p of ['', `${d}/x/..`, `${d}/.`, `${d}/x/../`, Buffer.from(`${d}/x/..`)]) {
    const shown = String(p);
    assert.throws(() => root(p as string), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, `root ${shown}`);
    assert.throws(() => new FileStore(p as string), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, `FileStore ${shown}`);
    assert.throws(() => new TempFiles({ root: p as string }), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, `TempFiles ${shown}`);
    assert.throws(() => createTempDir({ dir: p as string }), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, `createTempDir ${shown}`);
    assert.throws(() => api.tempdirSync({ parent: p as string }), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, `tempdirSync ${shown}`);
  }
  assert.deepEqual(fs.readdirSync(d).sort(), ['keep', 'x']);
  // A non-UTF-8 Buffer cannot be kept as the companions' string path.
  assert.throws(() => root(Buffer.from([0x2f, 0xff])), { code: 'EPHEMDIR_INVALID_ARGUMENT', message: /UTF-8/ });
  // URLs and UTF-8 Buffers work.
  const t = createTempDir({ dir: pathToFileURL(d) });
  assert.equal(path.dirname(t.path), d);
  t.closeSync();
  const store = new FileStore(Buffer.from(path.join(d, 'store')));
  assert.equal(store.path, path.join(d, 'store'));
  assert.equal(root(pathToFileURL(d)).path, d);
  assert.throws(() => root(new URL('http://example.com/x')), { code: 'EPHEMDIR_INVALID_ARGUMENT', message: /file: URL/ });
});

test('file: URLs are accepted (percent-decoded), other protocols and hosts refused', async () => {
  using s = scratch('paths');
  const a = path.join(s.dir, 'with space é');
  touch(path.join(a, 'f'));
  const url = pathToFileURL(a);
  assert.match(url.href, /%20/);
  assert.equal((await scanTree(url)).entries, 1);
  assert.equal(scanTreeSync(url).entries, 1);
  assert.equal((await removeTree(url)).entriesRemoved, 2);
  assert.equal(fs.existsSync(a), false);
  touch(path.join(a, 'f'));
  assert.equal(removeTreeSync(url).entriesRemoved, 2);
  assert.equal(fs.existsSync(a), false);
  touch(path.join(a, 'f'));
  const withHost = new URL(url.href.replace('file://', 'file://example.com'));
  for (const bad of [withHost, new URL('http://localhost' + url.pathname)]) {
    await assert.rejects(removeTree(bad), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
    assert.throws(() => removeTreeSync(bad), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
    await assert.rejects(scanTree(bad), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  }
  assert.ok(fs.existsSync(path.join(a, 'f')));
});

test('Buffer paths are raw bytes end to end: a non-UTF-8 directory (and a %FF URL) is removed', { skip: process.platform !== 'linux' && 'names must be valid UTF-8 on macOS' }, async () => {
  using s = scratch('paths');
  const base = Buffer.from(s.dir + '/');
  for (const [i, form] of ['buffer', 'buffer-sync', 'url'].entries()) {
    const dir = Buffer.concat([base, Buffer.from([0x62, 0xff, 0xfe, 0x30 + i])]);
    fs.mkdirSync(dir);
    fs.mkdirSync(Buffer.concat([dir, Buffer.from('/sub')]));
    fs.writeFileSync(Buffer.concat([dir, Buffer.from('/sub/f')]), 'x');
    if (form === 'buffer') {
      assert.equal((await scanTree(dir)).entries, 2);
      assert.equal((await removeTree(dir)).entriesRemoved, 3);
    } else if (form === 'buffer-sync') {
      assert.equal(removeTreeSync(dir).entriesRemoved, 3);
    } else {
      const url = new URL('file://' + [...dir].map((b) => (b === 0x2f || (b >= 0x30 && b < 0x7f && b !== 0x25) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join(''));
      assert.equal((await removeTree(url)).entriesRemoved, 3);
    }
    assert.equal(fs.existsSync(dir), false, form);
  }
  assert.deepEqual(fs.readdirSync(s.dir), []);
});

test('followProblem / transitionProblem: the chase-safe rule as a table', () => {
  const me = 1000;
  const other = 1001;
  const base: LinkFacts = { holderUid: me, holderIsTrustedRoot: false, linkUid: me, unsafeAbove: null, me };
  const table: Array<[string, 'safe' | 'nofollow' | 'chain', Partial<LinkFacts>, RegExp | null]> = [
    ['own link in own dir', 'safe', {}, null],
    ['root link in own dir', 'safe', { linkUid: 0 }, null],
    ['own link in root dir', 'safe', { holderUid: 0 }, null],
    ['root link in root dir', 'safe', { holderUid: 0, linkUid: 0 }, null],
    ['link of another user', 'safe', { linkUid: other }, /link is owned by uid 1001/],
    ['own link in a dir of another user', 'safe', { holderUid: other }, /holding it is owned by uid 1001/],
    ['own link below an unsafe transition', 'safe', { unsafeAbove: '/x (owned by uid 1001) sits in /y (owned by uid 1000)' }, /sits in/],
    ['trusted root-level link, nofollow', 'nofollow', { holderUid: 0, holderIsTrustedRoot: true, linkUid: 0 }, null],
    ['trusted root-level link, chain', 'chain', { holderUid: 0, holderIsTrustedRoot: true, linkUid: 0 }, null],
    ['own link, chain (managed parents)', 'chain', {}, /only at the root/],
    ['own link, nofollow', 'nofollow', {}, /only at the root/],
    ['user link directly in /, chain', 'chain', { holderUid: 0, holderIsTrustedRoot: true }, /only at the root/],
  ];
  for (const [label, trust, facts, want] of table) {
    const got = followProblem(trust, { ...base, ...facts });
    if (want === null) assert.equal(got, null, label);
    else assert.match(got ?? '', want, label);
  }
  assert.equal(transitionProblem(0, '/', other, '/home/o'), null, 'leaving a root-owned directory');
  assert.equal(transitionProblem(me, '/a', me, '/a/b'), null, 'same owner');
  assert.match(transitionProblem(me, '/a', other, '/a/b') ?? '', /\/a\/b \(owned by uid 1001\) sits in \/a \(owned by uid 1000\)/);
  assert.match(transitionProblem(other, '/o', me, '/o/m') ?? '', /owned by uid 1000/);
});
