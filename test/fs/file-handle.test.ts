// FileHandle (src/fs/file-handle.ts) owns its descriptor: O_CLOEXEC, closed
// exactly once, unusable after close. Its locks are real flocks seen by other
// processes; readFileAt says why it read nothing; AtomicFile is the one
// "temp + fsync + rename + fsync dir" and leaves no temp file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openDirectory } from '../../src/fs/walk';
import { AtomicFile, readFileAt, writeFileAtomic } from '../../src/fs/files';
import { scratch, isLinux } from '../helpers/scratch';
import { createUser, runAs, usersUnavailable } from '../helpers/users';
import { srcModule } from '../helpers/child';
import { stageForOtherUsers } from '../helpers/stage';

const O = fs.constants;

test('a FileHandle is opened O_CLOEXEC, closed exactly once, and unusable after close', { skip: isLinux ? false : 'reads /proc/self/fdinfo (Linux)' }, () => {
  const s = scratch('fh');
  try {
    using dir = openDirectory(s.dir);
    const a = dir.openFile('a', O.O_RDWR | O.O_CREAT, 0o600);
    const fd = a.fd;
    const flags = /flags:\s*([0-7]+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
    assert.ok((parseInt(flags, 8) & 0o2000000) !== 0, `O_CLOEXEC in flags ${flags}`);
    a.close();
    assert.equal(a.closed, true);
    assert.throws(() => a.stat(), { code: 'EBADF' });
    assert.throws(() => a.write('x'), { code: 'EBADF' });
    // The number is free again and the next file gets it: closing `a` again
    // must not close that one.
    using b = dir.openFile('b', O.O_RDWR | O.O_CREAT, 0o600);
    assert.equal(b.fd, fd, 'the lowest free descriptor is reused');
    a.close();
    a[Symbol.dispose]();
    b.write('still open');
    b.fsync();
    assert.equal(fs.readFileSync(path.join(s.dir, 'b'), 'utf8'), 'still open');
    let cFd: number;
    {
      using c = dir.openFile('c', O.O_RDWR | O.O_CREAT, 0o600);
      const st = fs.statSync(path.join(s.dir, 'c'));
      assert.deepEqual(c.identity(), { dev: st.dev, ino: st.ino });
      cFd = c.fd;
      assert.equal(fs.existsSync(`/proc/self/fd/${cFd}`), true);
    }
    assert.equal(fs.existsSync(`/proc/self/fd/${cFd}`), false, '`using` closed it');
  } finally {
    s.cleanup();
  }
});

test('FileHandle locks: shared and exclusive, non-blocking by default, waiting on request; another process sees them', async () => {
  const s = scratch('fh');
  try {
    using dir = openDirectory(s.dir);
    using a = dir.openFile('l', O.O_RDWR | O.O_CREAT, 0o600);
    using b = dir.openFile('l', O.O_RDWR, 0o600);
    using c = dir.openFile('l', O.O_RDWR, 0o600);
    assert.equal(a.lock('exclusive'), true);
    assert.equal(b.lock('shared'), false);
    assert.equal(b.lock('exclusive'), false);
    a.unlock();
    assert.equal(b.lock('shared'), true);
    assert.equal(c.lock('shared'), true, 'shared locks coexist');
    assert.equal(a.lock('exclusive'), false);
    b.close(); // closing the description releases its lock
    c[Symbol.dispose]();
    assert.equal(a.lock('exclusive'), true);
    a.unlock();

    // Another process (util-linux flock) holds it; wait: true blocks until it lets go.
    const holder = spawn('flock', ['--exclusive', path.join(s.dir, 'l'), '-c', 'echo held; sleep 0.4'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exit = once(holder, 'exit');
    await once(holder.stdout!, 'data');
    assert.equal(a.lock('shared'), false, 'held by the other process');
    assert.equal(a.lock('exclusive', { wait: true }), true, 'granted once the other process exits');
    await exit;
    assert.equal(holder.exitCode, 0);
  } finally {
    s.cleanup();
  }
});

test('readAll and readFileAt say why nothing was read: missing, not-regular (socket, directory), too-large', async () => {
  const s = scratch('fh');
  const server = net.createServer();
  try {
    using dir = openDirectory(s.dir);
    fs.writeFileSync(path.join(s.dir, 'f'), 'hello');
    fs.mkdirSync(path.join(s.dir, 'd'));
    server.listen(path.join(s.dir, 'sock'));
    await once(server, 'listening');

    const ok = readFileAt(dir, 'f', 5);
    assert.ok(ok.ok);
    assert.equal(ok.data.toString(), 'hello');
    assert.equal(ok.stat.size, 5);

    const big = readFileAt(dir, 'f', 4);
    assert.ok(!big.ok && big.reason === 'too-large');
    assert.equal(big.size, 5);
    assert.equal(big.stat.size, 5);

    // A socket cannot be opened (ENXIO): the name's lstat says what it is.
    const sock = readFileAt(dir, 'sock', 100);
    assert.ok(!sock.ok && sock.reason === 'not-regular');
    assert.equal(sock.stat.mode & 0o170000, 0o140000);
    assert.equal((sock.error as NodeJS.ErrnoException).code, 'ENXIO');

    // A directory opens read-only; fstat says what it is.
    const d = readFileAt(dir, 'd', 100);
    assert.ok(!d.ok && d.reason === 'not-regular');
    assert.equal(d.stat.mode & 0o170000, 0o040000);
    using dh = dir.openFile('d', O.O_RDONLY, 0);
    const r = dh.readAll(100);
    assert.ok(!r.ok && r.reason === 'not-regular');

    const gone = readFileAt(dir, 'nothing', 100);
    assert.ok(!gone.ok && gone.reason === 'missing');
  } finally {
    server.close();
    s.cleanup();
  }
});

test('readFileAt: a file another user cannot open is unreadable, with its lstat', { skip: usersUnavailable() ?? false }, () => {
  using s = scratch('fh');
  const user = createUser();
  try {
    fs.chmodSync(s.dir, 0o755);
    fs.writeFileSync(path.join(s.dir, 'secret'), 'x'.repeat(10), { mode: 0o600 });
    // The other user runs a copy of the modules it can reach (the checkout may sit in a private folder).
    const stage = stageForOtherUsers();
    const code = `
      const { openDirectory } = require(${JSON.stringify(stage.path(srcModule('fs/walk')))});
      const { readFileAt } = require(${JSON.stringify(stage.path(srcModule('fs/files')))});
      const r = readFileAt(openDirectory(${JSON.stringify(s.dir)}, { trust: 'nofollow' }), 'secret', 100);
      process.stdout.write(JSON.stringify({ ok: r.ok, reason: r.reason, size: r.stat && r.stat.size, code: r.error && r.error.code }));
    `;
    const out = runAs(user, [process.execPath, ...stage.nodeFlags, '-e', code]);
    assert.equal(out.status, 0, String(out.stderr));
    assert.deepEqual(JSON.parse(String(out.stdout)), { ok: false, reason: 'unreadable', size: 10, code: 'EACCES' });
  } finally {
    user.remove();
  }
});

test('AtomicFile: replaces only on commit; a disposed or refused write leaves no temp file', () => {
  const s = scratch('fh');
  try {
    using dir = openDirectory(s.dir);
    const names = () => fs.readdirSync(s.dir).sort();
    writeFileAtomic(dir, 'f', 'one');
    {
      using w = new AtomicFile(dir, 'f');
      w.file.write('two');
      assert.equal(fs.readFileSync(path.join(s.dir, 'f'), 'utf8'), 'one', 'unchanged before commit');
      assert.equal(names().length, 2, 'the temp file exists while writing');
      // not committed: disposed by `using`
    }
    assert.deepEqual(names(), ['f']);
    assert.equal(fs.readFileSync(path.join(s.dir, 'f'), 'utf8'), 'one');

    // noReplace: EEXIST, the original intact, the temp gone.
    assert.throws(() => writeFileAtomic(dir, 'f', 'three', { noReplace: true }), { code: 'EEXIST' });
    assert.deepEqual(names(), ['f']);
    assert.equal(fs.readFileSync(path.join(s.dir, 'f'), 'utf8'), 'one');

    // A caller's temp names: a clash (EEXIST) is retried with the next one.
    fs.writeFileSync(path.join(s.dir, '.taken'), 'not ours');
    const tried: string[] = [];
    const temp = (name: string) => {
      const t = tried.length === 0 ? '.taken' : `.${name}.mine${tried.length}`;
      tried.push(t);
      return t;
    };
    writeFileAtomic(dir, 'g', 'gee', { tempName: temp, mode: 0o640, durable: false });
    assert.deepEqual(tried, ['.taken', '.g.mine1']);
    assert.equal(fs.readFileSync(path.join(s.dir, '.taken'), 'utf8'), 'not ours');
    assert.equal(fs.readFileSync(path.join(s.dir, 'g'), 'utf8'), 'gee');
    assert.deepEqual(names(), ['.taken', 'f', 'g']);
  } finally {
    s.cleanup();
  }
});
