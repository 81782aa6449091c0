// dataDir for real users: a service user whose home is /nonexistent (HOME
// set to it, or unset) and a bare uid with no passwd entry at all (no home
// to find) work with a dataDir of their own, through the library and the
// command line; without one, the error names dataDir, --data-dir and
// EPHEMDIR_DATA_DIR. A dataDir that is not theirs (root's) or that others may
// write is refused. The children load the code from a stage they can reach.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { runNode, srcModule } from '../helpers/child';
import { stageForOtherUsers } from '../helpers/stage';
import { usersUnavailable, createUser, type TestUser } from '../helpers/users';

const env = isolatedEnv('data-dir-users');
after(() => env.cleanup());

const skip = usersUnavailable() ?? false;

/** What the child does with the library, as the user: one JSON line with each step's outcome. */
function libraryScript(base: string): string {
  const mod = JSON.stringify(stageForOtherUsers().path(srcModule('api/index')));
  const b = JSON.stringify(base);
  return `
const api = require(${mod});
const path = require('node:path');
const base = ${b};
const own = path.join(base, 'mine', 'registry');
const parent = path.join(base, 'work');
const outcome = async (f) => { try { const v = await f(); return { ok: true, value: v }; } catch (e) { return { ok: false, code: e.code, message: e.message }; } };
(async () => {
  const out = {};
  out.sync = await outcome(() => api.tempdirSync({ parent, dataDir: own }).path);
  out.async = await outcome(async () => (await api.tempdir({ parent, dataDir: own, lifetime: 1 })).path);
  out.listed = await outcome(async () => (await api.list({ dataDir: own })).length);
  await new Promise((r) => setTimeout(r, 1100));
  out.swept = await outcome(async () => (await api.sweep({ dataDir: own })).removed.length);
  out.removed = await outcome(async () => (await api.remove(path.basename(out.sync.value), { dataDir: own })).path);
  out.stats = await outcome(async () => (await api.stats({ dataDir: own })).created);
  out.noDataDir = await outcome(() => api.tempdirSync({ parent }));
  out.rootOwned = await outcome(() => api.tempdirSync({ parent, dataDir: path.join(base, 'root-owned') }));
  out.groupWritable = await outcome(() => api.list({ dataDir: path.join(base, 'group-writable') }));
  console.log(JSON.stringify(out));
})();`;
}

interface Outcome {
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
}

/** base/{work,mine} owned by `owner`, base/root-owned (root, 0755), base/group-writable (owner, 0770). */
function layout(name: string, owner: { uid: number; gid: number }): string {
  const base = path.join(env.root, name);
  fs.mkdirSync(base, { mode: 0o755 });
  fs.chmodSync(base, 0o755);
  for (const d of ['work', 'mine', 'group-writable']) {
    fs.mkdirSync(path.join(base, d), { mode: 0o700 });
    fs.chownSync(path.join(base, d), owner.uid, owner.gid);
  }
  fs.chmodSync(path.join(base, 'group-writable'), 0o770);
  fs.mkdirSync(path.join(base, 'root-owned'), { mode: 0o755 });
  fs.chmodSync(path.join(base, 'root-owned'), 0o755);
  return base;
}

function checkLibrary(r: ReturnType<typeof runNode>, base: string, uid: number, noHome: RegExp): void {
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, Outcome>;
  for (const step of ['sync', 'async', 'listed', 'swept', 'removed', 'stats']) assert.equal(out[step]!.ok, true, `${step}: ${JSON.stringify(out[step])}`);
  assert.equal(out.listed!.value, 2);
  assert.equal(out.swept!.value, 1, 'the 1-second directory was swept from dataDir');
  assert.equal(out.stats!.value, 2);
  const mine = path.join(base, 'mine');
  assert.equal(fs.statSync(path.join(mine, 'registry')).uid, uid, 'the registry belongs to the user');
  assert.equal(fs.statSync(path.join(mine, 'registry')).mode & 0o777, 0o700);
  assert.deepEqual(fs.readdirSync(path.join(base, 'work')), [], 'both directories are gone');

  assert.equal(out.noDataDir!.ok, false);
  for (const name of [/dataDir/, /--data-dir/, /EPHEMDIR_DATA_DIR/, noHome]) assert.match(out.noDataDir!.message!, name);
  assert.equal(out.rootOwned!.code, 'EPHEMDIR_REGISTRY_UNUSABLE', JSON.stringify(out.rootOwned));
  assert.match(out.rootOwned!.message!, /root-owned.*owned by uid 0/);
  assert.equal(out.groupWritable!.code, 'EPHEMDIR_REGISTRY_UNUSABLE', JSON.stringify(out.groupWritable));
  assert.match(out.groupWritable!.message!, /group-writable.*writable/);
  assert.deepEqual(fs.readdirSync(path.join(base, 'root-owned')), [], 'nothing made in a refused dataDir');
  assert.deepEqual(fs.readdirSync(path.join(base, 'group-writable')), []);
}

/** Runs the command line's main() (from the stage) as the user; returns status and output. */
function cli(prefix: string[], args: string[], childEnv: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const main = JSON.stringify(stageForOtherUsers().path(srcModule('cli/main')));
  const code =
    `require(${main}).main(${JSON.stringify(args)}, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, process.env)` +
    '.then((c) => { process.exitCode = c; })';
  const r = runNode(code, { prefix, env: childEnv, cwd: '/' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function checkCli(prefix: string[], base: string, childEnv: NodeJS.ProcessEnv): void {
  const own = path.join(base, 'mine', 'cli-registry');
  const work = path.join(base, 'work');
  const made = cli(prefix, ['--data-dir', own, 'new', '--parent', work, '--lifetime', '1h'], childEnv);
  assert.equal(made.code, 0, made.stderr);
  const listed = cli(prefix, ['list', '--json', '--data-dir', own], childEnv);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 1);
  const removed = cli(prefix, ['rm', '--data-dir', own, made.stdout.trim()], childEnv);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(fs.readdirSync(work), []);
  const refused = cli(prefix, ['new', '--parent', work], childEnv);
  assert.notEqual(refused.code, 0);
  for (const name of [/--data-dir/, /EPHEMDIR_DATA_DIR/]) assert.match(refused.stderr, name);
  assert.deepEqual(fs.readdirSync(work), []);
}

describe('a user without a writable home, with a dataDir of its own', { skip }, () => {
  let user: TestUser;
  before(() => {
    user = createUser();
    fs.chmodSync(env.root, 0o755);
  });
  after(() => {
    fs.chmodSync(env.root, 0o700);
    user.remove();
  });

  for (const [label, childEnv] of [
    ['HOME=/nonexistent', { PATH: process.env.PATH, HOME: '/nonexistent' }],
    ['HOME unset', { PATH: process.env.PATH }],
  ] as const) {
    it(`${label}: library and command line work with dataDir; without it the error says how to choose one`, () => {
      const base = layout(`user-${label.startsWith('HOME=') ? 'set' : 'unset'}`, user);
      const r = runNode(libraryScript(base), { prefix: user.wrap([]), env: childEnv, cwd: '/' });
      checkLibrary(r, base, user.uid, /\/nonexistent\/\.local\/share\/ephemdir/);
      checkCli(user.wrap([]), base, childEnv);
      assert.ok(!fs.existsSync('/nonexistent'), 'nothing was created at the missing home');
    });
  }
});

describe('a bare uid with no passwd entry and no HOME (no home to find at all)', { skip }, () => {
  // A uid nobody has: os.homedir() throws for it when HOME is unset.
  const uid = 60_000 + (process.pid % 4_000);
  const taken = spawnSync('getent', ['passwd', String(uid)]).status === 0;
  it('works with dataDir; without it the error names dataDir, --data-dir and EPHEMDIR_DATA_DIR', { skip: taken && `uid ${uid} is in use` }, () => {
    fs.chmodSync(env.root, 0o755);
    try {
      const base = layout('bare-uid', { uid, gid: uid });
      const prefix = ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--'];
      const childEnv = { PATH: process.env.PATH };
      const r = runNode(libraryScript(base), { prefix, env: childEnv, cwd: '/' });
      checkLibrary(r, base, uid, /no usable home directory \(HOME is unset/);
      checkCli(prefix, base, childEnv);
    } finally {
      fs.chmodSync(env.root, 0o700);
    }
  });
});
