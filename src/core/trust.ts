// Who could have changed a file or a directory: the ownership, permission
// and mount-boundary rules every layer applies, as pure predicates over
// stat-like plain data (uid, mode, mount facts). Kept in one place so that
// "ours and writable by nobody else" means the same for the registry, the
// config, staging folders, the walker and the companions. It lives in core
// (below fs/) because the walker in fs/ applies the chain rule too; nothing
// here does I/O except reading this process's euid.

/** The uid and permission bits of a stat result. */
export interface OwnerFacts {
  uid: number;
  mode: number;
}

/** What a stat result says about the mount it is on. */
export interface MountFacts {
  dev: number;
  /** The kernel's mount id; null where the platform cannot say. */
  mntId: number | null;
  /** The entry is itself the root of a mount; null where unknown. */
  mountRoot: boolean | null;
}

export const ROOT_UID = 0;
const S_ISVTX = 0o1000;
/** Group and other write bits. */
const WRITE_BY_OTHERS = 0o022;
/** Every group and other bit. */
const ANY_BY_OTHERS = 0o077;

/** This process's effective uid; -1 where there is none (it then owns nothing). */
export function euid(): number {
  return process.geteuid?.() ?? -1;
}

export function ownedByMe(st: Pick<OwnerFacts, 'uid'>, me = euid()): boolean {
  return st.uid === me;
}

export function ownedByMeOrRoot(st: Pick<OwnerFacts, 'uid'>, me = euid()): boolean {
  return st.uid === me || st.uid === ROOT_UID;
}

/** Group or others may write it. */
export function writableByOthers(st: Pick<OwnerFacts, 'mode'>): boolean {
  return (st.mode & WRITE_BY_OTHERS) !== 0;
}

/** Group or others have any access at all (not a 0700/0600 object). */
export function openToOthers(st: Pick<OwnerFacts, 'mode'>): boolean {
  return (st.mode & ANY_BY_OTHERS) !== 0;
}

export function isSticky(st: Pick<OwnerFacts, 'mode'>): boolean {
  return (st.mode & S_ISVTX) !== 0;
}

/** Root's, and only root may write it: whoever could change it is root already. */
export function rootOnly(st: OwnerFacts): boolean {
  return st.uid === ROOT_UID && !writableByOthers(st);
}

/** Permission bits as `chmod` takes them: `0755`. */
export function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

export interface OwnershipRule {
  /** Root may own it too (config files, lock-free system folders). */
  allowRoot?: boolean;
  /** Closed to group and others altogether (a 0700 folder), not only to their writes. */
  private?: boolean;
}

/**
 * Why `st` is not ours (or root's, with `allowRoot`) and closed to others
 * (to their writes, or with `private` to everything), or null when it is.
 */
export function ownershipProblem(st: OwnerFacts, rule: OwnershipRule = {}, me = euid()): string | null {
  const ownerOk = rule.allowRoot ? ownedByMeOrRoot(st, me) : ownedByMe(st, me);
  if (!ownerOk) return `it is owned by uid ${st.uid}, not by you (uid ${me})${rule.allowRoot ? ' or root' : ''}`;
  if (rule.private && openToOthers(st)) return `it is accessible to group or others (mode ${modeText(st.mode)})`;
  if (writableByOthers(st)) return `it is writable by group or others (mode ${modeText(st.mode)})`;
  return null;
}

/** {@link ownershipProblem} as a predicate: ours (or root's) and closed to others. */
export function ownedPrivately(st: OwnerFacts, rule: OwnershipRule = {}, me = euid()): boolean {
  return ownershipProblem(st, rule, me) === null;
}

/**
 * The chain rule for a directory on the way to one ephemdir manages: root's
 * or ours and, when others may write it, sticky (like /tmp), so no other user
 * can swap a component. Null when it holds, else why not.
 */
export function chainProblem(st: OwnerFacts, me = euid()): string | null {
  if (!ownedByMeOrRoot(st, me)) return `it is owned by uid ${st.uid}, not by root or uid ${me}`;
  if (writableByOthers(st) && !isSticky(st)) return 'it is group/world-writable without the sticky bit';
  return null;
}

/**
 * Whether `st` lies on another mount or filesystem than `root`, as the native
 * engine decides it (OtherMount in native/tree_stack.cc): a mount root, a
 * different mount id (a bind mount of the same filesystem has the same
 * st_dev), or a different device (a btrfs subvolume is on the same mount
 * with its own st_dev, and may be mounted elsewhere too). Any one is a
 * boundary: neither test alone sees both cases.
 */
export function isOtherMount(root: MountFacts, st: MountFacts): boolean {
  if (st.mountRoot === true) return true;
  if (st.mntId !== null && root.mntId !== null && st.mntId !== root.mntId) return true;
  return st.dev !== root.dev;
}
