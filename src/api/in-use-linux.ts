// Is a managed tree in use? (Linux.) Decided by identity, never by path
// string: a path read from /proc/PID/cwd is the path in that process's mount
// namespace, so a container working in the tree through `-v tree:/data`
// reads as /data, and any user with a mount namespace of its own can make a
// string match. Instead each object a process holds (working directory,
// root, open fds, mapped files) is stat()ed through its magic link, which
// resolves to the object itself in any namespace, and is inside the tree
// when its (dev, ino) is the tree root's or one gathered by a bounded scan
// of the tree (in-use-tree.ts). A process chrooted into the tree is found by
// its root; a chrooted one elsewhere by what it holds. A directory on another file system (a mount stacked on a
// tree directory in some namespace) is walked up through `..` to see
// whether it sits on one. What cannot be decided (a process of another user
// we may not inspect while the tree is open to others, a tree past the scan
// bound) is reported as unknown with why, and callers keep the directory.
import * as fs from 'node:fs';
import type { DirHandle } from '../fs/dir-handle';
import { hasCode } from '../errors';
import type { InUseAnswer, InUseProbe, ProbeSteps } from './in-use-probe';
import { MAX_DEPTH, TREE_SCAN_LIMIT, member, treeIdentity, type TreeIdentity } from './in-use-tree';
import { euid } from '../core/trust';

/** O_PATH (Linux, every architecture Node supports): an fd for stat and path walks, no read access needed. */
const O_PATH = 0o10000000;

/** st_dev as Node reports it, from the major:minor pair /proc/PID/maps prints (glibc makedev). */
export function makeDev(major: number, minor: number): number {
  const M = BigInt(major);
  const m = BigInt(minor);
  return Number(((M & 0xfffn) << 8n) | ((M & ~0xfffn) << 32n) | (m & 0xffn) | ((m & ~0xffn) << 12n));
}

export interface MapsLine {
  /** The map_files name of the range: `start-end` in unpadded hex. */
  range: string;
  dev: number;
  ino: number;
  /** The path as the mapping process sees it (a hint only), without " (deleted)". */
  path: string;
  deleted: boolean;
}

const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+\S+\s+([0-9a-f]+):([0-9a-f]+)\s+(\d+)\s*(.*)$/;

/** One line of /proc/PID/maps, or null when it maps no file (anonymous, heap, stack, inode 0). */
export function parseMapsLine(line: string): MapsLine | null {
  const m = MAPS_LINE.exec(line);
  if (!m || m[5] === '0') return null;
  const raw = m[6] ?? '';
  const deleted = raw.endsWith(' (deleted)');
  return {
    range: `${BigInt(`0x${m[1]}`).toString(16)}-${BigInt(`0x${m[2]}`).toString(16)}`,
    dev: makeDev(parseInt(m[3]!, 16), parseInt(m[4]!, 16)),
    ino: Number(m[5]),
    path: deleted ? raw.slice(0, -' (deleted)'.length) : raw,
    deleted,
  };
}

/** What an object is, for matching: its device and inode. */
type Identity = { dev: number; ino: number };

type Verdict = { kind: 'inside' } | { kind: 'outside' } | { kind: 'unknown'; why: string };
const INSIDE: Verdict = { kind: 'inside' };
const OUTSIDE: Verdict = { kind: 'outside' };

function idOf(st: fs.Stats): Identity {
  return { dev: st.dev, ino: st.ino };
}

function mountIdOf(fd: number): string | null {
  try {
    return /^mnt_id:\s*(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Walks up from the directory at `start` (a magic link, resolved once) through
 * `..`, which follows the mount tree the object was reached through, until
 * an ancestor is in the tree or the top is reached. Leaving a mount of the
 * tree's own file system hides the rest of that directory's real ancestry: if
 * the scan was not complete, that makes the answer unknown.
 */
function walkUp(start: string, tree: TreeIdentity): Verdict {
  let fd = fs.openSync(start, O_PATH | fs.constants.O_DIRECTORY);
  let hidden = false;
  try {
    for (let step = 0; step <= MAX_DEPTH; step++) {
      const st = { ...idOf(fs.fstatSync(fd)), mountId: tree.complete ? null : mountIdOf(fd) };
      if (member(tree, st)) return INSIDE;
      const up = fs.openSync(`/proc/self/fd/${fd}/..`, O_PATH | fs.constants.O_DIRECTORY);
      const below = fd;
      fd = up;
      fs.closeSync(below);
      const pst = fs.fstatSync(up);
      const top = pst.dev === st.dev && pst.ino === st.ino;
      if (!tree.complete && st.dev === tree.dev && !top && st.mountId !== mountIdOf(up)) hidden = true;
      if (top) {
        if (!hidden) return OUTSIDE;
        return { kind: 'unknown', why: `it was reached through a mount of the tree's file system, and ${tree.why}` };
      }
    }
    return { kind: 'unknown', why: `it is more than ${MAX_DEPTH} levels deep` };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The verdict on the directory holding `named`, if that name still holds the
 * object `st`; null when it does not (or cannot be looked at). The directory
 * is opened first and the name checked inside it, so the directory walked up
 * is the one that holds the object, whatever the path does meanwhile.
 */
function namedVerdict(named: string, st: Identity, tree: TreeIdentity): Verdict | null {
  const slash = named.lastIndexOf('/');
  let fd: number;
  try {
    fd = fs.openSync(named.slice(0, slash) || '/', O_PATH | fs.constants.O_DIRECTORY);
  } catch {
    return null;
  }
  try {
    const again = fs.lstatSync(`/proc/self/fd/${fd}/${named.slice(slash + 1)}`);
    if (again.dev !== st.dev || again.ino !== st.ino) return null;
    return walkUp(`/proc/self/fd/${fd}`, tree);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether the process resolves names as we do: the same root directory in
 * the same mount namespace (a copy of our namespace has a root with the same
 * device and inode, but its own mounts).
 */
function sharesOurRoot(pid: number): boolean {
  try {
    const same = (a: fs.Stats, b: fs.Stats) => a.dev === b.dev && a.ino === b.ino;
    return (
      same(fs.statSync(`/proc/${pid}/root`), fs.statSync('/')) && same(fs.statSync(`/proc/${pid}/ns/mnt`), fs.statSync('/proc/self/ns/mnt'))
    );
  } catch {
    return false;
  }
}

/**
 * A non-directory not found by the scan: only undecided when the scan was
 * incomplete. Then the path the kernel prints for it (a hint) is looked up.
 * That path is relative to our root when the object is reachable from it,
 * else to the root of the holder's mount namespace, so it is looked up
 * through our root and through the process's own root (a chroot, another
 * namespace). A name that still holds the very object has its directory
 * walked up; inside through any name is inside, and found through no name is
 * unknown. Outside means the names it works with are outside: removing the
 * tree cannot take them from under it, even if another link is inside.
 */
function fileVerdict(pid: number, st: Identity & { nlink: number }, hint: string | null, tree: TreeIdentity): Verdict {
  if (st.nlink === 0 || st.dev !== tree.dev || tree.complete) return OUTSIDE;
  const unknown: Verdict = { kind: 'unknown', why: `${tree.why}, so the scan cannot tell whether ${hint ?? 'a file it holds'} is inside` };
  if (!hint?.startsWith('/')) return unknown;
  const names = sharesOurRoot(pid) ? [hint] : [hint, `/proc/${pid}/root${hint}`];
  const found = names.map((named) => namedVerdict(named, st, tree)).filter((v): v is Verdict => v !== null);
  if (found.length === 0) return unknown;
  return found.find((v) => v.kind === 'inside') ?? found.find((v) => v.kind === 'unknown') ?? OUTSIDE;
}

/** The verdict on one object a process holds; `at` is its magic link. */
function objectVerdict(pid: number, at: string, tree: TreeIdentity, hint: () => string | null): Verdict | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(at);
  } catch (err) {
    if (hasCode(err, 'ENOENT', 'ESRCH')) return null; // gone: the process exited or closed it
    throw err;
  }
  if (st.dev === tree.dev && st.ino === tree.ino) return INSIDE;
  if (member(tree, st)) return INSIDE;
  if (st.isDirectory()) {
    if (st.dev === tree.dev && tree.complete) return OUTSIDE; // every directory inside was gathered
    try {
      return walkUp(at, tree);
    } catch (err) {
      if (hasCode(err, 'ENOENT', 'ESRCH')) return null;
      throw err;
    }
  }
  return fileVerdict(pid, st, hint(), tree);
}

function readlinkOr(p: string): string | null {
  try {
    return fs.readlinkSync(p);
  } catch {
    return null;
  }
}

/** What one process holds, as (label, verdict) pairs, lazily; stops at the first inside. */
function* processObjects(pid: number, tree: TreeIdentity, state: { mapFiles: boolean }): Generator<[string, Verdict | null]> {
  const base = `/proc/${pid}`;
  for (const link of ['cwd', 'root'] as const) yield [link, objectVerdict(pid, `${base}/${link}`, tree, () => readlinkOr(`${base}/${link}`))];
  let fds: string[];
  try {
    fds = fs.readdirSync(`${base}/fd`);
  } catch (err) {
    if (hasCode(err, 'ENOENT', 'ESRCH')) return;
    throw err;
  }
  for (const fd of fds) yield [`fd ${fd}`, objectVerdict(pid, `${base}/fd/${fd}`, tree, () => readlinkOr(`${base}/fd/${fd}`))];
  let maps: string;
  try {
    maps = fs.readFileSync(`${base}/maps`, 'utf8');
  } catch (err) {
    if (hasCode(err, 'ENOENT', 'ESRCH')) return;
    throw err;
  }
  const seen = new Set<string>();
  for (const text of maps.split('\n')) {
    const line = parseMapsLine(text);
    if (!line || seen.has(`${line.dev}:${line.ino}`)) continue;
    seen.add(`${line.dev}:${line.ino}`);
    const label = `mapped ${line.path}`;
    // map_files resolves to the mapped object itself (as stat sees it, so
    // overlayfs and btrfs agree); following it needs CAP_SYS_ADMIN. Without
    // that, the device and inode the maps line prints, and past the scan
    // bound its path, trusted only where it holds that device and inode.
    if (state.mapFiles) {
      try {
        yield [label, objectVerdict(pid, `${base}/map_files/${line.range}`, tree, () => line.path)];
        continue;
      } catch (err) {
        if (!hasCode(err, 'EPERM', 'EACCES')) throw err;
        state.mapFiles = false;
      }
    }
    if (line.dev === tree.dev && (line.ino === tree.ino || tree.inodes.has(line.ino))) yield [label, INSIDE];
    else if (line.deleted) yield [label, OUTSIDE];
    else yield [label, fileVerdict(pid, { dev: line.dev, ino: line.ino, nlink: 1 }, line.path, tree)];
  }
}

/** The process's effective uid (from /proc/PID/status, which anyone may read); null when gone. */
function effectiveUid(pid: number): number | null {
  try {
    const uid = Number(/^Uid:\s+\d+\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isInteger(uid) ? uid : null;
  } catch {
    return null;
  }
}

/**
 * Whether a process we may not inspect leaves the answer open: one of
 * another user, when the tree is open to others (not 0700 and ours). A
 * private tree is out of that user's reach by path. Processes of our own
 * uid that refuse inspection (non-dumpable agents) and privileged processes
 * (which even root may be refused: a supervisor with more capabilities) are
 * taken not to work inside a private tree of ours.
 */
function openToIt(pid: number, tree: TreeIdentity): { uid: number | null; open: boolean } {
  const uid = effectiveUid(pid);
  return { uid, open: !tree.private && uid !== euid() };
}

/**
 * Scans every process but this one. `scanLimit` bounds the tree scan and
 * `pids` narrows the scan to some processes (tests use both).
 */
export function linuxInUse(dir: DirHandle, options: { scanLimit?: number; pids?: number[] } = {}): InUseAnswer {
  let pids: number[];
  try {
    pids = options.pids ?? fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } catch (err) {
    return { inUse: null, detail: `cannot list processes in /proc: ${(err as Error).message}` };
  }
  let tree: TreeIdentity;
  try {
    tree = treeIdentity(dir, options.scanLimit ?? TREE_SCAN_LIMIT);
  } catch (err) {
    return { inUse: null, detail: `cannot identify ${dir.path}: ${(err as Error).message}` };
  }
  const unknowns: string[] = [];
  const state = { mapFiles: true };
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      for (const [label, verdict] of processObjects(pid, tree, state)) {
        if (verdict?.kind === 'inside') return { inUse: true, detail: `process ${pid} (${label})` };
        if (verdict?.kind === 'unknown') {
          unknowns.push(`process ${pid} (${label}): ${verdict.why}`);
          break;
        }
      }
    } catch (err) {
      if (hasCode(err, 'EACCES', 'EPERM')) {
        const { uid, open } = openToIt(pid, tree);
        if (open) unknowns.push(`process ${pid}${uid === null ? '' : ` (uid ${uid})`} cannot be inspected: permission denied`);
      } else {
        unknowns.push(`process ${pid} cannot be inspected: ${(err as Error).message}`);
      }
    }
  }
  if (unknowns.length === 0) return { inUse: false, detail: null };
  const more = unknowns.length > 1 ? ` (and ${unknowns.length - 1} more)` : '';
  return { inUse: null, detail: `${unknowns[0]}${more}` };
}

/** Mount points strictly inside `root`, from /proc/self/mountinfo; null when it cannot be read. */
export function mountsInside(root: string): string[] | null {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
  const prefix = root.endsWith('/') ? root : `${root}/`;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const mp = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp.startsWith(prefix)) out.push(mp);
  }
  return out;
}

/** Everything here is a quick read of /proc, so the check yields no program to run. */
export const linuxProbe: InUseProbe = {
  *check(dir): ProbeSteps {
    return linuxInUse(dir);
  },
  mountsInside,
};
