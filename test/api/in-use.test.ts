// keepWhileInUse decides by identity, not by the path a process sees: real
// processes holding a working directory, an open file or a mapping inside
// a tree, in this mount namespace and in others (bind mounts, a tmpfs
// stacked on a tree directory, a look-alike path), and a sweeping user who
// may not inspect every process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { linuxInUse, makeDev, parseMapsLine } from '../../src/api/in-use-linux';
import { openDirectory } from '../../src/fs/walk';
import { scratch, isRoot, isLinux } from '../helpers/scratch';
import { mountUnavailable } from '../helpers/mounts';
import { usersUnavailable, createUser, chownTree } from '../helpers/users';
import { stageForOtherUsers } from '../helpers/stage';
import { srcModule, startReady, stopChild } from '../helpers/child';
import { isolatedEnv } from '../helpers/api-env';
import * as api from '../../src/api/index';

const noLinux = !isLinux && 'the /proc scan is Linux-only';
const noNamespaces = noLinux || mountUnavailable() || (!isRoot && 'mount namespaces with bind mounts need root');

test('makeDev packs major:minor the way stat() reports st_dev', () => {
  const table: [number, number, number][] = [
    [0, 0, 0],
    [8, 1, 0x801],
    [0, 45, 45],
    [259, 3, 0x10303],
    [8, 300, 0x10082c],
    [0x1234, 0x56789, 0x100056723489],
  ];
  for (const [major, minor, dev] of table) assert.equal(makeDev(major, minor), dev, `${major}:${minor}`);
  if (isLinux) {
    const st = fs.statSync('/proc/self/exe');
    const line = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').map(parseMapsLine).find((l) => l && l.ino === st.ino);
    assert.ok(line, 'the running binary is mapped');
    assert.equal(line.dev, st.dev, 'the maps device matches stat()');
  }
});

test('parseMapsLine keeps file mappings only', () => {
  assert.deepEqual(parseMapsLine('7f0c1a2b3000-7f0c1a2b5000 r--p 00000000 08:01 1234567                    /usr/lib/x (deleted)'), {
    range: '7f0c1a2b3000-7f0c1a2b5000',
    dev: 0x801,
    ino: 1234567,
    path: '/usr/lib/x',
    deleted: true,
  });
  assert.deepEqual(parseMapsLine('00400000-0040b000 r-xp 00000000 fd:00 42 /a b/with spaces'), {
    range: '400000-40b000',
    dev: makeDev(0xfd, 0),
    ino: 42,
    path: '/a b/with spaces',
    deleted: false,
  });
  for (const anon of ['7ffd1000-7ffd2000 rw-p 00000000 00:00 0                          [stack]', '55d0-55e0 rw-p 00000000 00:00 0', '', 'garbage']) {
    assert.equal(parseMapsLine(anon), null, anon);
  }
});

interface Tree extends Disposable {
  root: string;
  tree: string;
  cleanup(): void;
}

function makeTree(label: string, files = 3): Tree {
  const s = scratch(label);
  const tree = path.join(s.dir, 'tree');
  fs.mkdirSync(path.join(tree, 'sub', 'deep'), { recursive: true });
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(tree, 'sub', `f${i}`), 'x');
  fs.writeFileSync(path.join(tree, 'sub', 'deep', 'file'), 'data');
  return { root: s.dir, tree, cleanup: s.cleanup, [Symbol.dispose]: s.cleanup };
}

/** The answer for `tree`; with `only`, looking at those processes alone (other tests' processes run on this machine too). */
function check(tree: string, scanLimit?: number, only?: ChildProcess): ReturnType<typeof linuxInUse> {
  using dir = openDirectory(tree, { trust: 'chain' });
  return linuxInUse(dir, { ...(scanLimit === undefined ? {} : { scanLimit }), ...(only ? { pids: [only.pid!] } : {}) });
}

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `sh -c script` (optionally under a prefix such as unshare); resolves once it prints "ready". */
function holder(script: string, prefix: string[] = []): Promise<ChildProcess> {
  return startReady([...prefix, 'sh', '-c', script], children);
}


const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const privateNs = ['unshare', '--mount', '--propagation', 'private', '--'];

test('nobody inside: not in use', { skip: noLinux || (!isRoot && 'as another user, processes it may not inspect make the answer unknown') }, () => {
  using t = makeTree('inuse-none');
  assert.deepEqual(check(t.tree), { inUse: false, detail: null });
});

test('working directory, open file, mapped file: each is found (this namespace)', { skip: noLinux || (!isRoot && 'needs root to inspect every process') }, async () => {
  using t = makeTree('inuse-plain');
  const cwd = await holder(`cd ${q(path.join(t.tree, 'sub', 'deep'))} && echo ready && exec sleep 60`);
  let r = check(t.tree);
  assert.equal(r.inUse, true);
  assert.match(r.detail!, new RegExp(`process ${cwd.pid} \\(cwd\\)`));
  await stopChild(cwd);

  const fd = await holder(`exec 7<${q(path.join(t.tree, 'sub', 'f1'))}; echo ready; exec sleep 60`);
  r = check(t.tree);
  assert.equal(r.inUse, true);
  assert.match(r.detail!, new RegExp(`process ${fd.pid} \\(fd 7\\)`));
  await stopChild(fd);

  // An executable run from inside the tree is mapped, with no fd and the cwd elsewhere.
  const exe = path.join(t.tree, 'sub', 'sleeper');
  fs.copyFileSync('/bin/sleep', exe);
  fs.chmodSync(exe, 0o755);
  const mapped = await holder(`echo ready; exec ${q(exe)} 60`);
  await new Promise((r2) => setTimeout(r2, 100)); // the exec after "ready"
  r = check(t.tree);
  assert.equal(r.inUse, true);
  assert.match(r.detail!, new RegExp(`process ${mapped.pid} \\(mapped .*sleeper\\)`));
  await stopChild(mapped);

  assert.equal(check(t.tree).inUse, false, 'free again once they are gone');
});

test('a process working in the tree through a bind mount in another mount namespace keeps it', { skip: noNamespaces }, async () => {
  using t = makeTree('inuse-bind');
  const alt = path.join(t.root, 'alt');
  fs.mkdirSync(alt);
  // The container case: `-v tree:/data`, working in /data/sub/deep.
  const whole = await holder(`mount --bind ${q(t.tree)} ${q(alt)} && cd ${q(path.join(alt, 'sub', 'deep'))} && echo ready && exec sleep 60`, privateNs);
  const r = check(t.tree);
  assert.equal(r.inUse, true, 'kept: its cwd reads as the alias, but it is the same directory');
  assert.match(r.detail!, new RegExp(`process ${whole.pid} \\(cwd\\)`));
  await stopChild(whole);

  // Only a sub-directory bound, and an open file through it.
  const part = await holder(`mount --bind ${q(path.join(t.tree, 'sub'))} ${q(alt)} && exec 7<${q(path.join(alt, 'f0'))} && echo ready && exec sleep 60`, privateNs);
  assert.equal(check(t.tree).inUse, true, 'an open file through a bind mount of a sub-directory');
  await stopChild(part);

  // A tmpfs stacked on a tree directory in that namespace, worked in.
  const stacked = await holder(
    `mount --bind ${q(t.tree)} ${q(alt)} && mount -t tmpfs x ${q(path.join(alt, 'sub'))} && mkdir ${q(path.join(alt, 'sub', 'w'))} && cd ${q(path.join(alt, 'sub', 'w'))} && echo ready && exec sleep 60`,
    privateNs,
  );
  assert.equal(check(t.tree).inUse, true, 'under a tree directory in its view, on another file system');
  await stopChild(stacked);
  assert.equal(check(t.tree).inUse, false);
});

test('a look-alike path in another mount namespace does not pin the tree', { skip: noNamespaces }, async () => {
  using t = makeTree('inuse-alike');
  // In its namespace a tmpfs covers the parent and the same path names a different directory.
  const sameName = path.join(t.tree, 'sub', 'deep');
  const fake = await holder(
    `mount -t tmpfs x ${q(t.root)} && mkdir -p ${q(sameName)} && echo hi > ${q(path.join(t.tree, 'sub', 'f0'))} && exec 7<${q(path.join(t.tree, 'sub', 'f0'))} && cd ${q(sameName)} && echo ready && exec sleep 60`,
    privateNs,
  );
  assert.equal(fs.readlinkSync(`/proc/${fake.pid}/cwd`), sameName, 'its working directory reads as a path inside the tree');
  assert.deepEqual(check(t.tree), { inUse: false, detail: null });
  assert.deepEqual(check(t.tree, 2, fake), { inUse: false, detail: null }, 'also when the scan is cut short');
  await stopChild(fake);
});

test('past the scan bound: decided where identity allows, unknown (with why) where not', { skip: noNamespaces }, async () => {
  using t = makeTree('inuse-bound', 40);
  const alt = path.join(t.root, 'alt');
  fs.mkdirSync(alt);
  // An open file the cut-short scan did not reach: found through the name the process sees, verified.
  const fd = await holder(`exec 7<${q(path.join(t.tree, 'sub', 'deep', 'file'))}; echo ready; exec sleep 60`);
  let r = check(t.tree, 3, fd);
  assert.equal(r.inUse, true);
  assert.match(r.detail!, /\(fd 7\)/);
  await stopChild(fd);

  // A bind mount of a directory the scan did not reach hides where it sits: unknown, and why.
  const hidden = await holder(`mount --bind ${q(path.join(t.tree, 'sub', 'deep'))} ${q(alt)} && cd ${q(alt)} && echo ready && exec sleep 60`, privateNs);
  r = check(t.tree, 3, hidden);
  assert.equal(r.inUse, null);
  assert.match(r.detail!, new RegExp(`process ${hidden.pid} \\(cwd\\).*more than 3 entries`));
  assert.equal(check(t.tree, undefined, hidden).inUse, true, 'with the whole tree scanned it is decided');
  await stopChild(hidden);
});

test('a sweeping user who may not inspect another user\'s process: unknown (and why) only while the tree is open to others', { skip: noLinux || usersUnavailable() || false }, () => {
  const u = createUser();
  using t = makeTree('inuse-perm');
  try {
    fs.chmodSync(t.root, 0o755);
    chownTree(t.tree, u);
    const stage = stageForOtherUsers();
    const script =
      `const {linuxInUse}=require(${JSON.stringify(stage.path(srcModule('api/in-use-linux')))});` +
      `const {openDirectory}=require(${JSON.stringify(stage.path(srcModule('fs/walk')))});` +
      `const d=openDirectory(${JSON.stringify(t.tree)},{trust:'chain'});console.log(JSON.stringify(linuxInUse(d)));`;
    const asUser = (): { inUse: boolean | null; detail: string | null } => {
      const argv = u.wrap([process.execPath, ...stage.nodeFlags, '-e', script]);
      const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: '/', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { inUse: boolean | null; detail: string | null };
    };
    // Open to others: this test process (root, not inspectable by the user) could be inside.
    fs.chmodSync(t.tree, 0o755);
    const open = asUser();
    assert.equal(open.inUse, null);
    assert.match(open.detail!, /process \d+ \(uid 0\) cannot be inspected: permission denied/);
    // Private (0700, the user's): nobody else can have got in by path.
    fs.chmodSync(t.tree, 0o700);
    assert.deepEqual(asUser(), { inUse: false, detail: null });
  } finally {
    u.remove();
  }
});

test("an unprivileged user finds its own processes: working directory, and a mapping read from the maps line's device and inode", { skip: noLinux || usersUnavailable() || false }, async () => {
  const u = createUser();
  using t = makeTree('inuse-own');
  try {
    fs.chmodSync(t.root, 0o755);
    const exe = path.join(t.tree, 'sub', 'sleeper');
    fs.copyFileSync('/bin/sleep', exe);
    fs.chmodSync(exe, 0o755);
    chownTree(t.tree, u);
    fs.chmodSync(t.tree, 0o700);
    const stage = stageForOtherUsers();
    const asUser = (pid: number): { inUse: boolean | null; detail: string | null } => {
      const script =
        `const {linuxInUse}=require(${JSON.stringify(stage.path(srcModule('api/in-use-linux')))});` +
        `const {openDirectory}=require(${JSON.stringify(stage.path(srcModule('fs/walk')))});` +
        `const d=openDirectory(${JSON.stringify(t.tree)},{trust:'chain'});console.log(JSON.stringify(linuxInUse(d,{pids:[${pid}]})));`;
      const argv = u.wrap([process.execPath, ...stage.nodeFlags, '-e', script]);
      const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: '/', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { inUse: boolean | null; detail: string | null };
    };
    // Without CAP_SYS_ADMIN map_files cannot be followed: the maps line's dev:inode decide.
    const mapped = await holder(`echo ready; exec ${q(exe)} 60`, u.wrap([]));
    await new Promise((r) => setTimeout(r, 100));
    const m = asUser(mapped.pid!);
    assert.equal(m.inUse, true, JSON.stringify(m));
    assert.match(m.detail!, /\(mapped .*sleeper\)/);
    await stopChild(mapped);
    const cwd = await holder(`cd ${q(path.join(t.tree, 'sub', 'deep'))} && echo ready && exec sleep 60`, u.wrap([]));
    assert.match(asUser(cwd.pid!).detail ?? '', /\(cwd\)/);
    await stopChild(cwd);
  } finally {
    u.remove();
  }
});

test('sweep(): kept while a container-style bind mount works inside it, and not pinned by a look-alike path', { skip: noNamespaces }, async () => {
  using env = isolatedEnv('inuse-api');

  const used = await api.tempdir({ parent: env.work, lifetime: 0, keepWhileInUse: true, tags: ['inuse-bind'] });
  fs.mkdirSync(path.join(used.path, 'sub'));
  const alt = path.join(env.root, 'container-data');
  fs.mkdirSync(alt);
  const container = await holder(`mount --bind ${q(used.path)} ${q(alt)} && cd ${q(path.join(alt, 'sub'))} && echo ready && exec sleep 60`, privateNs);
  let report = await api.sweep({ tags: ['inuse-bind'] });
  assert.deepEqual(report.deferred.map((i) => i.blockers), [['in-use']]);
  assert.ok(fs.existsSync(path.join(used.path, 'sub')), 'not deleted under the process');
  const why = (await api.explain(used.path)).blockers.find((b) => b.code === 'in-use');
  assert.match(why?.detail ?? '', new RegExp(`process ${container.pid} \\(cwd\\)`), 'explain names who uses it');
  await stopChild(container);
  report = await api.sweep({ tags: ['inuse-bind'] });
  assert.deepEqual(report.removed.map((i) => i.path), [used.path]);

  const alike = await api.tempdir({ parent: env.work, lifetime: 0, keepWhileInUse: true, tags: ['inuse-alike'] });
  const squatter = await holder(`mount -t tmpfs x ${q(env.work)} && mkdir -p ${q(alike.path)} && cd ${q(alike.path)} && echo ready && exec sleep 60`, privateNs);
  report = await api.sweep({ tags: ['inuse-alike'] });
  assert.deepEqual(report.removed.map((i) => i.path), [alike.path], 'a different directory under the same name pins nothing');
  await stopChild(squatter);
});
