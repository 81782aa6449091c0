// FileStore.create() in a shared area (sticky, world-writable: the area
// check accepts it) where another, real user plants a FIFO, a file of their
// own, a symlink or a hard link under the name about to be created. Each
// create runs in a child process with a timeout, so a create that blocks on
// a FIFO fails the test instead of hanging the suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FileStore } from '../../src/companions/file-store';
import { scratch, type Scratch } from '../helpers/scratch';
import { usersUnavailable, createUser, runAs, type TestUser } from '../helpers/users';

const storeModule = path.resolve(__dirname, '../../src/companions/file-store.js');
const noUsers = usersUnavailable();

/** Runs `store.create(name, mode)` then writes 'ours' in a child; its outcome as { code } or { ok }. */
function createInChild(dir: string, name: string, mode: string): { ok?: true; code?: string; message?: string; timedOut?: boolean } {
  const src = `
    const { FileStore } = require(${JSON.stringify(storeModule)});
    new FileStore(${JSON.stringify(dir)}).create(${JSON.stringify(name)}, ${JSON.stringify(mode)}).then(
      async (h) => { await h.write('ours'); await h.close(); console.log(JSON.stringify({ ok: true })); },
      (e) => console.log(JSON.stringify({ code: e.code, message: e.message })),
    );`;
  const r = spawnSync(process.execPath, ['-e', src], { encoding: 'utf8', timeout: 10_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { timedOut: true };
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { ok?: true; code?: string; message?: string };
}

function sharedStore(label: string): Scratch & { store: string; tmp: string } {
  const s = scratch(label);
  fs.chmodSync(s.dir, 0o755);
  const dir = path.join(s.dir, 'store');
  new FileStore(dir).prepare();
  fs.chmodSync(dir, 0o755);
  const tmp = path.join(dir, 'tmp');
  fs.chmodSync(tmp, 0o1777); // shared: sticky and world-writable, which the area check accepts
  return { ...s, store: dir, tmp };
}

function plant(u: TestUser, argv: string[]): void {
  const r = runAs(u, argv);
  assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
}

test('create() refuses what another user planted in a shared area: FIFO, file, symlink; and never blocks', { skip: noUsers ?? false }, () => {
  const u = createUser();
  using s = sharedStore('fss');
  const { store: dir, tmp } = s;
  try {
    const victim = path.join(s.dir, 'victim');
    fs.writeFileSync(victim, 'root data');
    plant(u, ['mkfifo', path.join(tmp, 'fifo')]);
    plant(u, ['sh', '-c', `printf theirs > '${path.join(tmp, 'theirs')}'`]);
    plant(u, ['ln', '-s', victim, path.join(tmp, 'link')]);
    for (const mode of ['w', 'a', 'w+', 'a+']) {
      for (const name of ['fifo', 'theirs', 'link']) {
        const r = createInChild(dir, name, mode);
        assert.ok(!r.timedOut, `create('${name}', '${mode}') hung`);
        // A symlink is refused with ELOOP (O_NOFOLLOW), or before that by the kernel's
        // fs.protected_symlinks, which this reports as not ours.
        const want = name === 'link' ? ['ELOOP', 'EPHEMDIR_NOT_OURS'] : ['EPHEMDIR_NOT_OURS'];
        assert.ok(want.includes(r.code!), `create('${name}', '${mode}'): ${JSON.stringify(r)}`);
        assert.match(r.message!, new RegExp(name));
      }
      // wx never opens an existing name.
      assert.equal(createInChild(dir, 'fifo', 'wx').code, 'EEXIST');
    }
    assert.equal(fs.readFileSync(path.join(tmp, 'theirs'), 'utf8'), 'theirs', 'their file received nothing and kept its data');
    assert.equal(fs.readFileSync(victim, 'utf8'), 'root data', 'the symlink target was not touched');
    assert.ok(fs.lstatSync(path.join(tmp, 'fifo')).isFIFO());
    // A fresh name, and the caller's own file, still work.
    assert.deepEqual(createInChild(dir, 'mine', 'w'), { ok: true });
    assert.deepEqual(createInChild(dir, 'mine', 'w'), { ok: true });
    assert.equal(fs.readFileSync(path.join(tmp, 'mine'), 'utf8'), 'ours');
    assert.deepEqual(createInChild(dir, 'mine', 'a'), { ok: true });
    assert.equal(fs.readFileSync(path.join(tmp, 'mine'), 'utf8'), 'oursours');
  } finally {
    u.remove();
  }
});

test('create() refuses a name that is a hard link (its data would land in the other name too) and does not truncate it', () => {
  using s = scratch('fss');
  const dir = path.join(s.dir, 'store');
  const store = new FileStore(dir);
  store.prepare();
  const elsewhere = path.join(s.dir, 'precious');
  fs.writeFileSync(elsewhere, 'keep me');
  fs.linkSync(elsewhere, path.join(dir, 'tmp', 'linked'));
  const r = createInChild(dir, 'linked', 'w');
  assert.equal(r.code, 'EPHEMDIR_NOT_OURS', JSON.stringify(r));
  assert.match(r.message!, /2 hard links/);
  assert.equal(fs.readFileSync(elsewhere, 'utf8'), 'keep me');
});
