// The rmtree decisions as tables: which arguments are refused, which look
// like patterns, and how glob matches fold into their outermost path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikePattern, outermost, refusalOf, type ProtectedDir } from '../../src/policy/rmtree';

const PROTECTED: ProtectedDir[] = [
  { dev: 1, ino: 2, label: 'the root directory /' },
  { dev: 1, ino: 10, label: 'the current directory' },
  { dev: 1, ino: 11, label: 'an ancestor of the current directory' },
  { dev: 2, ino: 10, label: 'the home directory (/h)' },
];

test('refusalOf: identity decides, a symlink never matches, . and .. are refused by name', () => {
  const table: Array<[string, { dev: number; ino: number; isSymlink: boolean } | null, RegExp | null]> = [
    ['/', { dev: 1, ino: 2, isSymlink: false }, /the root directory/],
    ['x', { dev: 1, ino: 10, isSymlink: false }, /it is the current directory/],
    ['..', { dev: 1, ino: 11, isSymlink: false }, /ancestor of the current directory/],
    ['home', { dev: 2, ino: 10, isSymlink: false }, /home directory/],
    ['same-ino-other-dev', { dev: 3, ino: 10, isSymlink: false }, null],
    ['link-to-cwd', { dev: 1, ino: 10, isSymlink: true }, null],
    ['dist', { dev: 1, ino: 99, isSymlink: false }, null],
    ['missing', null, null],
    ['', null, /empty path/],
    ['a/.', { dev: 1, ino: 50, isSymlink: false }, /ending in '\.'/],
    ['a/..', { dev: 1, ino: 51, isSymlink: false }, /ending in '\.\.'/],
    ['a/../', null, /ending in '\.\.'/],
    ['a/.b', { dev: 1, ino: 52, isSymlink: false }, null],
  ];
  for (const [p, id, want] of table) {
    const got = refusalOf({ path: p, id }, PROTECTED);
    if (want === null) assert.equal(got, null, p);
    else assert.match(got ?? '', want, p);
  }
});

test('looksLikePattern', () => {
  for (const p of ['*', 'dist/*', 'a?', '[ab]', '{a,b}', '**/x']) assert.equal(looksLikePattern(p), true, p);
  for (const p of ['dist', 'a.b', 'x-y_z', '/abs/path', 'a]', 'a}']) assert.equal(looksLikePattern(p), false, p);
});

test('outermost drops duplicates and paths inside another match', () => {
  assert.deepEqual(outermost(['a', 'a/b', 'a/b/c', 'ab', 'b/', 'b/x', 'a']), ['a', 'ab', 'b/']);
  assert.deepEqual(outermost(['/', '/x']), ['/']);
  assert.deepEqual(outermost([]), []);
});
