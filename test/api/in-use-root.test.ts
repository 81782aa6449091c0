// A process's root counts: one chrooted into a tree is using it, and what a
// chrooted process holds is judged by identity through both roots, ours and
// its own. Where neither root shows the name it holds (a chroot inside
// another mount namespace), the answer is unknown and the tree is kept. The
// path of a mapping is looked up the same way when its maps line is all an
// unprivileged user has.
// The holders are perl (in every Debian base system), which can chroot
// without changing directory, so its root is the only thing in the tree.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { linuxInUse } from '../../src/api/in-use-linux';
import { openDirectory } from '../../src/fs/walk';
import { scratch, isRoot, isLinux } from '../helpers/scratch';
import { mountUnavailable } from '../helpers/mounts';
import { usersUnavailable, createUser, chownTree } from '../helpers/users';
import { stageForOtherUsers } from '../helpers/stage';
import { srcModule, startReady, stopChild } from '../helpers/child';

const noChroot =
  (!isLinux && 'the /proc scan is Linux-only') ||
  (!isRoot && 'chroot needs root') ||
  (spawnSync('perl', ['-e', '1']).status !== 0 && 'perl is not installed');
const noNamespaces = noChroot || mountUnavailable() || false;

const work = scratch('inuse-root');
const running: ChildProcess[] = [];
after(() => {
  for (const c of running) c.kill('SIGKILL');
  work.cleanup();
});

let made = 0;
/** A tree with more entries than the cut-short scans below gather, a jail beside it, and a file outside both. */
function layout(): { tree: string; jail: string; outside: string; alt: string } {
  const base = path.join(work.dir, String(made++));
  const tree = path.join(base, 'tree');
  fs.mkdirSync(path.join(tree, 'sub', 'deep'), { recursive: true });
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(tree, 'sub', `f${i}`), 'x');
  fs.writeFileSync(path.join(tree, 'sub', 'deep', 'file'), 'data');
  fs.mkdirSync(path.join(base, 'jail'));
  fs.mkdirSync(path.join(base, 'alt'));
  fs.writeFileSync(path.join(base, 'outside'), 'elsewhere');
  return { tree, jail: path.join(base, 'jail'), outside: path.join(base, 'outside'), alt: path.join(base, 'alt') };
}

const perlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * perl that opens `hold` (if any) as fd 3, then chroots to `root` (changing
 * directory to it only with `enter`), says ready and sleeps; its working
 * directory starts at /.
 */
function chrooted(root: string, opts: { hold?: string; enter?: boolean; prefix?: string[] } = {}): Promise<ChildProcess> {
  const code = [
    opts.hold ? `open(my $fh, '<', ${perlString(opts.hold)}) or die "open: $!";` : '',
    `chroot(${perlString(root)}) or die "chroot: $!";`,
    opts.enter ? `chdir('/') or die "chdir: $!";` : '',
    '$| = 1; print "ready\\n"; sleep 60;',
  ].join(' ');
  return started([...(opts.prefix ?? []), 'perl', '-e', code]);
}

function started(argv: string[]): Promise<ChildProcess> {
  return startReady(argv, running);
}


function check(tree: string, pid: number, scanLimit?: number): ReturnType<typeof linuxInUse> {
  using dir = openDirectory(tree, { trust: 'chain' });
  return linuxInUse(dir, { pids: [pid], ...(scanLimit === undefined ? {} : { scanLimit }) });
}

test('a process chrooted into the tree uses it, though its working directory is elsewhere', { skip: noChroot }, async () => {
  const t = layout();
  const p = await chrooted(path.join(t.tree, 'sub'));
  assert.equal(fs.readlinkSync(`/proc/${p.pid}/cwd`), '/', 'only its root is inside');
  for (const limit of [undefined, 3]) {
    const r = check(t.tree, p.pid!, limit);
    assert.equal(r.inUse, true, `scan limit ${limit}`);
    assert.equal(r.detail, `process ${p.pid} (root)`);
  }
  await stopChild(p);
});

test('a process chrooted elsewhere: a file it holds is placed through our root when the scan was cut short', { skip: noChroot }, async () => {
  const t = layout();
  // The kernel prints the held file's path from our root: looked up only
  // through its root (the jail), that name does not exist.
  const inside = await chrooted(t.jail, { hold: path.join(t.tree, 'sub', 'deep', 'file'), enter: true });
  assert.equal(fs.readlinkSync(`/proc/${inside.pid}/fd/3`), path.join(t.tree, 'sub', 'deep', 'file'));
  assert.deepEqual(check(t.tree, inside.pid!), { inUse: true, detail: `process ${inside.pid} (fd 3)` }, 'whole tree scanned');
  assert.deepEqual(check(t.tree, inside.pid!, 3), { inUse: true, detail: `process ${inside.pid} (fd 3)` }, 'scan cut short');
  await stopChild(inside);

  // A file on the tree's file system but outside it: not in use, rather than unknown.
  const outside = await chrooted(t.jail, { hold: t.outside, enter: true });
  assert.deepEqual(check(t.tree, outside.pid!, 3), { inUse: false, detail: null });
  await stopChild(outside);
});

test('another mount namespace, same root: a file held through a bind mount is placed through its root, past the scan bound', { skip: noNamespaces }, async () => {
  const t = layout();
  // Its root has our root's device and inode, but the name exists only among its own mounts.
  const prefix = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$0" "$1" && shift && exec "$@"', t.tree, t.alt];
  const code = `open(my $fh, '<', ${perlString(path.join(t.alt, 'sub', 'deep', 'file'))}) or die "open: $!"; $| = 1; print "ready\\n"; sleep 60;`;
  const p = await started([...prefix, 'perl', '-e', code]);
  assert.deepEqual(check(t.tree, p.pid!, 3), { inUse: true, detail: `process ${p.pid} (fd 3)` });
  await stopChild(p);
});

test('a chroot inside another mount namespace, holding a file through a bind mount: kept (unknown) when the scan was cut short', { skip: noNamespaces }, async () => {
  const t = layout();
  // Its namespace binds the tree at alt; neither our root nor its own shows the name it opened the file by.
  const prefix = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$0" "$1" && shift && exec "$@"', t.tree, t.alt];
  const p = await chrooted(t.jail, { hold: path.join(t.alt, 'sub', 'deep', 'file'), enter: true, prefix });
  assert.deepEqual(check(t.tree, p.pid!), { inUse: true, detail: `process ${p.pid} (fd 3)` }, 'whole tree scanned: decided by identity');
  const cut = check(t.tree, p.pid!, 3);
  assert.equal(cut.inUse, null, JSON.stringify(cut));
  assert.match(cut.detail!, new RegExp(`^process ${p.pid} \\(fd 3\\): it has more than 3 entries, so the scan cannot tell whether .*/alt/sub/deep/file is inside$`));
  await stopChild(p);
});

test('an unprivileged user, past the scan bound: a mapping is placed by its maps line\'s path, checked against its device and inode', { skip: noChroot || usersUnavailable() || false }, async () => {
  const u = createUser();
  const t = layout();
  try {
    fs.chmodSync(path.dirname(t.tree), 0o755);
    fs.chmodSync(work.dir, 0o755);
    const exe = path.join(t.tree, 'sub', 'deep', 'sleeper');
    fs.copyFileSync('/bin/sleep', exe);
    fs.chmodSync(exe, 0o755);
    chownTree(t.tree, u);
    fs.chmodSync(t.tree, 0o700);
    const argv = u.wrap([exe, '60']);
    const mapped = spawn(argv[0]!, argv.slice(1), { cwd: '/', stdio: 'ignore' });
    running.push(mapped);
    // Wait until the exec has happened: its maps name the copy.
    for (let i = 0; i < 100 && !fs.readFileSync(`/proc/${mapped.pid}/maps`, 'utf8').includes(exe); i++) await new Promise((r) => setTimeout(r, 20));
    const stage = stageForOtherUsers();
    const script =
      `const {linuxInUse}=require(${JSON.stringify(stage.path(srcModule('api/in-use-linux')))});` +
      `const {openDirectory}=require(${JSON.stringify(stage.path(srcModule('fs/walk')))});` +
      `const d=openDirectory(${JSON.stringify(t.tree)},{trust:'chain'});console.log(JSON.stringify(linuxInUse(d,{pids:[${mapped.pid}],scanLimit:3})));`;
    const run = u.wrap([process.execPath, ...stage.nodeFlags, '-e', script]);
    const r = spawnSync(run[0]!, run.slice(1), { encoding: 'utf8', cwd: '/', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const answer = JSON.parse(r.stdout) as { inUse: boolean | null; detail: string | null };
    assert.equal(answer.inUse, true, JSON.stringify(answer));
    assert.match(answer.detail!, /\(mapped .*sleeper\)/);
    await stopChild(mapped);
  } finally {
    u.remove();
  }
});
