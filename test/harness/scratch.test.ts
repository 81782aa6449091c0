// The test fixtures clean up after themselves: `using s = scratch()` removes
// the folder when the block exits, whether the body returned, threw, or
// rejected after an await, and whatever the body left behind (immutable
// files, unreadable directories, mounts disposed first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { scratch, isRoot, chattrWorks } from '../helpers/scratch';
import { isolatedEnv } from '../helpers/api-env';
import { CliSandbox } from '../helpers/cli-sandbox';
import { Mounts, mountUnavailable, isMountPoint } from '../helpers/mounts';

test('this Node has Symbol.dispose and Symbol.asyncDispose (what `using` calls)', () => {
  assert.equal(typeof Symbol.dispose, 'symbol');
  assert.equal(typeof Symbol.asyncDispose, 'symbol');
});

test('a body that returns removes the folder', () => {
  let dir: string;
  {
    using s = scratch('harness');
    dir = s.dir;
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    assert.ok(fs.existsSync(dir));
  }
  assert.equal(fs.existsSync(dir), false);
});

test('a body that throws still removes the folder, and the error is the body\'s', () => {
  let dir = '';
  const boom = new Error('body failed');
  assert.throws(() => {
    using s = scratch('harness');
    dir = s.dir;
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    throw boom;
  }, (e) => e === boom);
  assert.notEqual(dir, '');
  assert.equal(fs.existsSync(dir), false);
});

test('an async body that rejects after an await still removes the folder', async () => {
  let dir = '';
  await assert.rejects(async () => {
    using s = scratch('harness');
    dir = s.dir;
    await new Promise((resolve) => setTimeout(resolve, 5));
    fs.writeFileSync(path.join(dir, 'late'), 'x');
    assert.fail('failing assertion inside the body');
  }, { code: 'ERR_ASSERTION' });
  assert.equal(fs.existsSync(dir), false);
});

test('a failing assertion leaves no folder behind even with an immutable file and a mode-000 directory inside', { skip: !isRoot && 'chattr +i needs root (CAP_LINUX_IMMUTABLE)' }, (t) => {
  let dir = '';
  {
    using probe = scratch('harness');
    if (!chattrWorks(probe.dir)) return t.skip(`this filesystem does not support chattr +i (${probe.dir})`);
  }
  assert.throws(() => {
    using s = scratch('harness');
    dir = s.dir;
    const pinned = path.join(dir, 'locked', 'pinned');
    fs.mkdirSync(path.dirname(pinned));
    fs.writeFileSync(pinned, 'x');
    execFileSync('chattr', ['+i', pinned]);
    fs.mkdirSync(path.join(dir, 'closed', 'inner'), { recursive: true });
    fs.chmodSync(path.join(dir, 'closed'), 0o000);
    assert.equal(1, 2);
  }, { code: 'ERR_ASSERTION' });
  assert.equal(fs.existsSync(dir), false);
});

test('in-memory scratch folders are on /dev/shm when it exists, else in the temporary folder', () => {
  let dir: string;
  {
    using s = scratch('harness', { inMemory: true });
    dir = s.dir;
    assert.ok(fs.statSync(dir).isDirectory());
    if (fs.existsSync('/dev/shm')) assert.ok(dir.startsWith('/dev/shm/'), dir);
  }
  assert.equal(fs.existsSync(dir), false);
});

test('isolatedEnv and CliSandbox remove their folders on dispose', () => {
  let env = '';
  let box = '';
  assert.throws(() => {
    using e = isolatedEnv('harness');
    using b = new CliSandbox();
    env = e.root;
    box = b.root;
    assert.ok(fs.existsSync(e.work) && fs.existsSync(b.work));
    throw new Error('body failed');
  }, /body failed/);
  assert.equal(fs.existsSync(env), false);
  assert.equal(fs.existsSync(box), false);
});

test('mounts declared after the scratch folder are unmounted before it is removed', { skip: mountUnavailable() ?? false }, () => {
  let dir = '';
  let point = '';
  assert.throws(() => {
    using s = scratch('harness');
    using m = new Mounts();
    dir = s.dir;
    point = path.join(dir, 'mnt');
    m.tmpfs(point);
    fs.writeFileSync(path.join(point, 'on-tmpfs'), 'x');
    assert.ok(isMountPoint(point));
    throw new Error('body failed');
  }, /body failed/);
  assert.equal(fs.existsSync(dir), false);
  assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${point} `), `${point} is still mounted`);
});
