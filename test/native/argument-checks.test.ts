// Every function the addon exports checks its arguments before any syscall
// (native/args.h): a wrong type throws a TypeError with code
// ERR_INVALID_ARG_TYPE, a number out of range or not an integer a RangeError
// with ERR_OUT_OF_RANGE, and nothing runs. Before these checks a string
// where an fd belongs read as fd 0 and the call went on (close('x') closed
// stdin, unlinkAt(fd, 'dir', 1) removed a directory). Each row below takes
// a call whose good arguments would change the disk or the fd table, and
// swaps one argument for bad values; the disk and the process's open fds
// must be exactly as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../../src/native/binding';
import { treeNative } from '../../src/native/tree-binding';
import { scratch } from '../helpers/scratch';

type Kind = 'fd' | 'name' | 'bool' | 'int' | 'mode' | 'array' | 'handle' | 'string' | 'options' | 'callback';
type Fn = (...args: unknown[]) => unknown;

const TYPE = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
const RANGE = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };

/** The bad values of each kind of argument, and what each must throw. */
const BAD: Record<Kind, [unknown, typeof TYPE][]> = {
  fd: [['3', TYPE], [undefined, TYPE], [null, TYPE], [{}, TYPE], [3n, TYPE], [1.5, RANGE], [-1, RANGE], [2 ** 31, RANGE], [NaN, RANGE], [Infinity, RANGE]],
  name: [[42, TYPE], [undefined, TYPE], [{}, TYPE], [['a'], TYPE]],
  bool: [[1, TYPE], ['true', TYPE], [undefined, TYPE], [null, TYPE]],
  int: [['1', TYPE], [undefined, TYPE], [1.5, RANGE], [NaN, RANGE], [2 ** 40, RANGE]],
  mode: [['700', TYPE], [undefined, TYPE], [0o10000, RANGE], [-1, RANGE], [448.5, RANGE]],
  array: [['a', TYPE], [undefined, TYPE], [{ length: 1, 0: 'a' }, TYPE]],
  handle: [[{}, TYPE], [3, TYPE], [undefined, TYPE]],
  string: [[1, TYPE], [undefined, TYPE], [Buffer.from('x'), TYPE]],
  options: [['x', TYPE], [1, TYPE], [[], TYPE]],
  callback: [[1, TYPE], ['f', TYPE], [{}, TYPE]],
};

/** Options whose values are checked too: [key, bad value]. */
const REMOVE_OPTIONS: [string, unknown][] = [
  ['keepRoot', 1], ['emptyMount', 'yes'], ['skipLocked', 1], ['repairPermissions', 0], ['maxRescans', '8'],
  ['parallel', '2'], ['maxOpenDirs', true], ['maxEntries', '1'], ['expectDev', '1'], ['expectIno', {}],
  ['removeLast', 7], ['protect', '/'], ['protect', [7]], ['cancel', {}],
];
const SCAN_OPTIONS: [string, unknown][] = [
  ['maxEntries', '1'], ['maxDepth', true], ['timeoutMs', '5'], ['stopAboveBytes', []], ['maxOpenDirs', 'x'], ['cancel', 1],
];

interface Row {
  /** The addon's export. */
  fn: string;
  kinds: Kind[];
  /** Arguments that are all good: the call would do something. */
  good: () => unknown[];
  /** Checked option keys, for the calls that take an options object at `options`. */
  options?: { at: number; bad: [string, unknown][] };
}

/** Opened fds of this process (Linux /proc, macOS /dev/fd). */
function openFds(): string[] {
  const dir = fs.existsSync('/proc/self/fd') ? '/proc/self/fd' : '/dev/fd';
  return fs.readdirSync(dir).sort();
}

/** Every entry below `dir` with its type, mode, size and inode. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const p = path.join(rel, name);
      const st = fs.lstatSync(path.join(dir, p));
      out.push(`${p} ${st.mode.toString(8)} ${st.size} ${st.ino}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk('');
  return out;
}

test('every addon function refuses a wrong type or range before any syscall; nothing changes on disk or in the fd table', () => {
  const s = scratch('native-args');
  const n = native() as unknown as Record<string, unknown>;
  const dirfd = fs.openSync(s.dir, 'r');
  const reader = native().readdirOpen(dirfd);
  const flag = () => treeNative().newCancelFlag();
  try {
    fs.writeFileSync(path.join(s.dir, 'file'), 'data');
    fs.mkdirSync(path.join(s.dir, 'empty-dir'));
    fs.mkdirSync(path.join(s.dir, 'tree', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(s.dir, 'tree', 'sub', 'f'), 'x');
    fs.symlinkSync('file', path.join(s.dir, 'link'));
    assert.ok(typeof reader === 'object', 'readdirOpen gave a handle');
    const c = native().constants;
    const rows: Row[] = [
      { fn: 'openDirAt', kinds: ['fd', 'name', 'bool'], good: () => [dirfd, 'tree', false] },
      { fn: 'openPathAt', kinds: ['fd', 'name', 'bool'], good: () => [dirfd, 'tree', true] },
      { fn: 'openAt', kinds: ['fd', 'name', 'int', 'mode'], good: () => [dirfd, 'created', c.O_CREAT | c.O_WRONLY, 0o600] },
      { fn: 'statAt', kinds: ['fd', 'name'], good: () => [dirfd, 'file'] },
      { fn: 'statFd', kinds: ['fd'], good: () => [dirfd] },
      { fn: 'mountId', kinds: ['fd'], good: () => [dirfd] },
      { fn: 'unlinkAt', kinds: ['fd', 'name', 'bool'], good: () => [dirfd, 'empty-dir', true] },
      { fn: 'mkdirAt', kinds: ['fd', 'name', 'mode'], good: () => [dirfd, 'made', 0o700] },
      { fn: 'renameAt', kinds: ['fd', 'name', 'fd', 'name', 'int'], good: () => [dirfd, 'file', dirfd, 'renamed', 0] },
      { fn: 'flock', kinds: ['fd', 'int'], good: () => [dirfd, c.LOCK_EX | c.LOCK_NB] },
      { fn: 'fsync', kinds: ['fd'], good: () => [dirfd] },
      { fn: 'close', kinds: ['fd'], good: () => [dirfd] },
      { fn: 'fchmod', kinds: ['fd', 'mode'], good: () => [dirfd, 0o755] },
      { fn: 'dup', kinds: ['fd'], good: () => [dirfd] },
      { fn: 'readlinkAt', kinds: ['fd', 'name'], good: () => [dirfd, 'link'] },
      { fn: 'readdirOpen', kinds: ['fd'], good: () => [dirfd] },
      { fn: 'readdirNext', kinds: ['handle', 'int'], good: () => [reader, 16] },
      { fn: 'readdirClose', kinds: ['handle'], good: () => [reader] },
      { fn: 'readFilesAt', kinds: ['fd', 'int'], good: () => [dirfd, 1024] },
      { fn: 'statNamesAt', kinds: ['fd', 'array'], good: () => [dirfd, ['file']] },
      { fn: 'probeMarkedDirsAt', kinds: ['fd', 'array', 'name', 'int'], good: () => [dirfd, ['tree'], 'm', 64] },
      {
        fn: 'removeTreeAtSync',
        kinds: ['fd', 'name', 'string', 'options', 'callback'],
        good: () => [dirfd, 'tree', path.join(s.dir, 'tree'), {}, () => {}],
        options: { at: 3, bad: REMOVE_OPTIONS },
      },
      {
        fn: 'removeTreeAt',
        kinds: ['fd', 'name', 'string', 'options', 'callback'],
        good: () => [dirfd, 'tree', path.join(s.dir, 'tree'), {}, () => {}],
        options: { at: 3, bad: REMOVE_OPTIONS },
      },
      { fn: 'scanTreeAtSync', kinds: ['fd', 'name', 'string', 'options'], good: () => [dirfd, 'tree', 'tree', {}], options: { at: 3, bad: SCAN_OPTIONS } },
      { fn: 'scanTreeAt', kinds: ['fd', 'name', 'string', 'options'], good: () => [dirfd, 'tree', 'tree', {}], options: { at: 3, bad: SCAN_OPTIONS } },
      { fn: 'cancel', kinds: ['handle'], good: () => [flag()] },
    ];
    // Functions that take no arguments, so have none to check.
    const none = new Set(['capabilities', 'openRoot', 'newCancelFlag']);
    const exported = Object.keys(n).filter((k) => typeof n[k] === 'function').sort();
    assert.deepEqual(exported, [...rows.map((r) => r.fn), ...none].sort(), 'every exported function has a row (or takes no arguments)');

    const before = snapshot(s.dir);
    const fdsBefore = openFds();
    let cases = 0;
    for (const row of rows) {
      const f = n[row.fn] as Fn;
      row.kinds.forEach((kind, i) => {
        for (const [value, expected] of BAD[kind]) {
          const args = row.good();
          args[i] = value;
          assert.throws(() => f(...args), expected, `${row.fn}: argument ${i} (${kind}) = ${String(value)}`);
          cases++;
        }
      });
      for (const [key, value] of row.options?.bad ?? []) {
        const args = row.good();
        args[row.options!.at] = { [key]: value };
        assert.throws(() => f(...args), TYPE, `${row.fn}: options.${key} = ${String(value)}`);
        cases++;
      }
    }
    assert.ok(cases > 150, `${cases} bad calls`);
    assert.deepEqual(snapshot(s.dir), before, 'nothing on disk changed');
    assert.deepEqual(openFds(), fdsBefore, 'no fd opened or closed (a string fd no longer reads as fd 0)');
    assert.equal(native().statFd(dirfd) instanceof Object, true, 'the directory fd is still open');
  } finally {
    if (typeof reader === 'object') native().readdirClose(reader);
    fs.closeSync(dirfd);
    s.cleanup();
  }
});

test('the checks pass good arguments through: each row above does act when nothing is wrong', () => {
  const s = scratch('native-args-good');
  const dirfd = fs.openSync(s.dir, 'r');
  try {
    fs.mkdirSync(path.join(s.dir, 'empty-dir'));
    fs.writeFileSync(path.join(s.dir, 'file'), 'data');
    const n = native();
    assert.equal(n.unlinkAt(dirfd, 'empty-dir', true), 0);
    assert.equal(fs.existsSync(path.join(s.dir, 'empty-dir')), false);
    assert.equal(n.mkdirAt(dirfd, 'made', 0o700), 0);
    assert.equal(fs.statSync(path.join(s.dir, 'made')).mode & 0o777, 0o700);
    assert.equal(n.renameAt(dirfd, 'file', dirfd, 'renamed', 0), 0);
    assert.equal(fs.readFileSync(path.join(s.dir, 'renamed'), 'utf8'), 'data');
    // A name of the right type holding a NUL is the syscall layer's EINVAL, not a throw.
    assert.equal(n.mkdirAt(dirfd, Buffer.from('a\0b'), 0o700), -22);
    assert.equal(n.statNamesAt(dirfd, [Buffer.from('a\0b')]) instanceof Float64Array, true);
    const d = n.dup(dirfd);
    assert.ok(typeof d === 'number' && d > 2);
    assert.equal(n.close(d), 0);
  } finally {
    fs.closeSync(dirfd);
    s.cleanup();
  }
});
