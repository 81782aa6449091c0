// What a refused call leaves behind (nothing), and what its error says: the
// folder concerned and what to do, without raw control characters.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { snapshotTree } from '../helpers/cli-sandbox';
import { runNode, srcModule } from '../helpers/child';
import { stageForOtherUsers } from '../helpers/stage';
import { usersUnavailable, createUser, chownTree } from '../helpers/users';
import * as api from '../../src/api/index';
import { removeTree } from '../../src/fs/remove-tree';
import { scanTree } from '../../src/fs/scan-tree';
import { EphemdirError } from '../../src/errors';

const env = isolatedEnv('refusals');
after(() => env.cleanup());

const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

async function rejection(fn: () => unknown): Promise<Error & { code?: string; path?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string; path?: string };
  }
  assert.fail('expected the call to be refused');
}

test('a refused tempdir() or tempdirSync() leaves the file system and registry byte-identical', async () => {
  const w = path.join(env.work, 'refused');
  fs.mkdirSync(w);
  // A registry with one due directory in it, which a bounded sweep would remove.
  const due = await api.tempdir({ parent: w, lifetime: '1s' });
  await new Promise((r) => setTimeout(r, 1_100));
  fs.writeFileSync(path.join(w, 'afile'), 'x');
  fs.mkdirSync(path.join(w, 'real'));
  fs.symlinkSync(path.join(w, 'real'), path.join(w, 'link'));
  fs.mkdirSync(path.join(w, 'shared'));
  fs.chmodSync(path.join(w, 'shared'), 0o1777);
  fs.mkdirSync(path.join(w, 'open'));
  fs.chmodSync(path.join(w, 'open'), 0o777);
  const cases: Array<[Parameters<typeof api.tempdir>[0], string]> = [
    [{ parent: path.join(w, 'afile') }, 'ENOTDIR'],
    [{ parent: path.join(w, 'afile', 'a', 'b') }, 'ENOTDIR'],
    [{ parent: path.join(w, 'link', 'x') }, 'EPHEMDIR_SYMLINK_IN_PATH'],
    [{ parent: path.join(w, 'shared'), nameStyle: 'clean' }, 'EPHEMDIR_UNSAFE_PARENT'],
    [{ parent: path.join(w, 'open', 'a', 'b') }, 'EPHEMDIR_UNSAFE_PARENT'],
    [{ parent: path.join(w, 'n1', 'y'.repeat(256)) }, 'EPHEMDIR_INVALID_ARGUMENT'],
    [{ parent: path.join(w, 'n1'), words: 9 }, 'EPHEMDIR_INVALID_ARGUMENT'],
  ];
  for (const [opts, code] of cases) {
    for (const call of [() => api.tempdir(opts), () => api.tempdirSync(opts)]) {
      const before = snapshotTree(env.root);
      const err = await rejection(call);
      assert.equal(err.code, code, `${JSON.stringify(opts)}: ${err.message}`);
      assert.deepEqual(snapshotTree(env.root), before, `${JSON.stringify(opts)} changed something`);
    }
  }
  assert.ok(fs.existsSync(due.path), 'no sweep ran');
});

test('library error messages escape control characters from names; path keeps the raw value', async () => {
  await api.tempdir({ parent: env.work, lifetime: '1h' }); // a registry, so that lookups get as far as the name
  const evil = path.join(env.work, 'evil\x1b[31m\u202e\x07');
  fs.mkdirSync(evil);
  fs.writeFileSync(path.join(evil, 'afile'), 'x');
  fs.symlinkSync('/tmp', path.join(evil, 'link'));
  const errors: Array<Error & { code?: string; path?: string }> = [
    await rejection(() => api.tempdir({ parent: path.join(evil, 'afile', 'sub') })),
    await rejection(() => api.tempdir({ parent: path.join(evil, 'link', 'sub') })),
    await rejection(() => api.tempdirSync({ parent: path.join(evil, 'link') })),
    await rejection(() => api.resolve('nothing\x1b[2J')),
    await rejection(() => api.extend('nothing\x1b[2J', '1h')),
    await rejection(() => api.remove(path.join(evil, 'untracked'))),
    await rejection(() => scanTree(path.join(evil, 'missing'))),
    // (a root-owned link in a root-owned folder is chase-safe, so removeTree follows it: use the file)
    await rejection(() => removeTree(path.join(evil, 'afile', 'x'))),
  ];
  fs.chmodSync(evil, 0o777);
  errors.push(await rejection(() => api.tempdir({ parent: evil })));
  fs.chmodSync(evil, 0o700);
  for (const err of errors) {
    assert.doesNotMatch(err.message, CONTROL, `raw control character in: ${JSON.stringify(err.message)}`);
    assert.match(err.message, /\\x1b/, `the name is shown escaped: ${JSON.stringify(err.message)}`);
    if (err.path !== undefined) assert.match(err.path, /\x1b/, 'path keeps the raw name');
  }
  // Escaping is done once: a value already escaped is not escaped again.
  const twice = new EphemdirError('EPHEMDIR_NOT_FOUND', new EphemdirError('EPHEMDIR_NOT_FOUND', 'a\x1bb \\ c').message);
  assert.equal(twice.message, 'a\\x1bb \\ c');
});

test('no writable home: tempdir() names the data folder, the dataDir option, --data-dir and EPHEMDIR_DATA_DIR', { skip: usersUnavailable() ?? false }, () => {
  const user = createUser();
  const parent = path.join(env.root, 'svc');
  fs.mkdirSync(parent, { mode: 0o700 });
  try {
    chownTree(parent, user);
    fs.chmodSync(env.root, 0o755);
    for (const fn of ['tempdir', 'tempdirSync']) {
      // The other user loads its code from a stage it can reach (the checkout may be private).
      const code = `Promise.resolve().then(() => require(${JSON.stringify(stageForOtherUsers().path(srcModule('api/index')))}).${fn}({ parent: ${JSON.stringify(parent)} }))` +
        `.then(() => console.log('created'), (e) => console.log(JSON.stringify({ code: e.code, path: e.path, message: e.message, syscall: e.syscall })))`;
      const r = runNode(code, { prefix: user.wrap([]), env: { PATH: process.env.PATH, HOME: '/nonexistent' }, cwd: '/' });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { code: string; path: string; message: string; syscall: string };
      assert.equal(out.code, 'EPHEMDIR_REGISTRY_UNUSABLE', r.stdout);
      assert.equal(out.path, '/nonexistent/.local/share/ephemdir');
      assert.match(out.message, /\/nonexistent\/\.local\/share\/ephemdir/);
      assert.match(out.message, /EPHEMDIR_DATA_DIR/);
      assert.match(out.message, /the dataDir option/);
      assert.match(out.message, /--data-dir/);
      assert.match(out.message, /EACCES/);
      assert.equal(out.syscall, 'mkdir');
      assert.deepEqual(fs.readdirSync(parent), [], 'nothing created');
    }
  } finally {
    fs.chmodSync(env.root, 0o700);
    user.remove();
  }
});
