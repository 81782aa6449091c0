// Creating a managed directory: 0700, a fresh marker written through the
// new directory's fd, then one durable registry entry. The parent chain is
// trusted first; creation never follows a symlink.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Entry } from '../model/entry';
import { generateName } from '../core/names';
import { loadConfig } from '../store/config';
import { normalizeAbsolute, openDirectory } from '../fs/walk';
import { MAX_COMPONENT_BYTES } from '../core/validate';
import type { DirHandle, Stat } from '../fs/dir-handle';
import { EphemdirError, ErrorCodes, hasCode, invalidArgument, systemError } from '../errors';
import { resolveSettings, type Settings } from './settings';
import { newMarkerId, writeMarker, MARKER_NAME } from './marker';
import { openContext, type ApiContext, type RegistryChoice } from './context';
import type { TempdirOptions } from './types';
import { ownedPrivately } from '../core/trust';
import { crashPoint } from './crash-points';

const MAX_NAME_ATTEMPTS = 100;

export interface Prepared {
  settings: Settings;
  warnings: string[];
  /**
   * The parent, opened and checked by checkParent when it exists already
   * (null when createEntry must create it): createEntry creates in this very
   * fd instead of walking the chain a second time. The caller closes it.
   */
  parent: DirHandle | null;
}

/** Validates everything before any side effect: the options, then the parent (see checkParent). */
export function prepare(options: TempdirOptions): Prepared {
  const config = loadConfig();
  const settings = resolveSettings(options ?? {}, config.values, process.cwd());
  const parent = checkParent(settings);
  return { settings, warnings: config.warnings, parent };
}

function isPrivate(st: Stat): boolean {
  return ownedPrivately(st, { private: true });
}

function cleanNamesRefused(parentPath: string): EphemdirError {
  return new EphemdirError(
    ErrorCodes.UNSAFE_PARENT,
    `refusing clean names in ${parentPath}: the parent is not private to you (owned by you, mode 0700); use nameStyle "secure"`,
    { path: parentPath },
  );
}

/**
 * Every refusal createEntry would make about the parent, found without a
 * side effect, so that a refused tempdir() neither sweeps, nor creates the
 * registry, nor creates missing parent folders: the existing part of the
 * chain is walked with the same rules (no symlink, trusted owners, a file
 * is not a folder), the missing part must be creatable (names that fit,
 * a folder we may write), and clean names need a private parent (a missing
 * parent will be one: it is created 0700). createEntry checks all of it
 * again through its fds; this only moves the refusals first.
 */
export function checkParent(settings: Settings): DirHandle | null {
  const target = normalizeAbsolute(settings.parent);
  const missing: string[] = [];
  let at = target;
  let dir: DirHandle | null = null;
  while (dir === null) {
    try {
      dir = openDirectory(at, { trust: 'chain', final: missing.length === 0 ? 'parent' : 'any' });
    } catch (err) {
      if (!hasCode(err, 'ENOENT') || at === '/') throw err;
      missing.unshift(path.posix.basename(at));
      at = path.posix.dirname(at);
    }
  }
  try {
    for (const name of missing) {
      if (Buffer.byteLength(name) > MAX_COMPONENT_BYTES) {
        throw invalidArgument(`invalid parent ${target}: the folder name ${name} is longer than ${MAX_COMPONENT_BYTES} bytes`, { path: target });
      }
    }
    if (missing.length === 0 && settings.nameStyle === 'clean' && !isPrivate(dir.stat())) throw cleanNamesRefused(dir.path);
    try {
      fs.accessSync(dir.path, fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      const e = err as { errno?: number; syscall?: string };
      if (!hasCode(err, 'EACCES', 'EPERM', 'EROFS')) throw typeof e.errno === 'number' ? systemError(e.errno, e.syscall ?? 'access', dir.path) : err;
      const what = missing.length === 0 ? 'create a directory in it' : `create ${missing.join('/')} in it`;
      throw new EphemdirError(ErrorCodes.UNSAFE_PARENT, `refusing ${target}: cannot ${what} (${(err as Error).message})`, {
        path: target, cause: err, syscall: (err as { syscall?: string }).syscall, errno: (err as { errno?: number }).errno,
      });
    }
    if (missing.length === 0) {
      const checked = dir;
      dir = null; // handed to the caller
      return checked;
    }
    return null;
  } finally {
    dir?.close();
  }
}

/**
 * Creates the directory and its entry. `ctx` is open with create: true;
 * the caller has already run the maintenance sweep.
 */
export function createEntry(ctx: ApiContext, settings: Settings, checked: DirHandle | null = null): Entry {
  // `checked` is the parent checkParent opened and checked earlier in this
  // same call (its chain walked with the same rules as below). Creating
  // through that fd is what a second walk would give: the directory is made
  // in the inode that passed the checks, whatever happened to the path
  // since, as with any walk followed by mkdirat. Its owner and mode are
  // read again here (fstat), since they decide the name style.
  const parent = checked ?? openDirectory(settings.parent, { trust: 'chain', final: 'parent', create: true });
  try {
    const parentStat = parent.stat();
    const privateParent = isPrivate(parentStat);
    let style: 'secure' | 'clean' = settings.nameStyle === 'auto' ? (privateParent ? 'clean' : 'secure') : settings.nameStyle;
    if (style === 'clean' && !privateParent) throw cleanNamesRefused(parent.path);
    let name = '';
    for (let attempt = 0; ; attempt++) {
      name = generateName({ words: settings.words, prefix: settings.prefix, style });
      try {
        parent.mkdir(name, 0o700);
        break;
      } catch (err) {
        if (!hasCode(err, 'EEXIST') || attempt >= MAX_NAME_ATTEMPTS) throw err;
        if (style === 'clean' && attempt > 20) style = 'secure';
      }
    }
    crashPoint('create-after-mkdir');
    const dir = parent.openDir(name, { noXdev: true });
    try {
      // dev, ino, mount and owner of the new directory: a chmod below changes none of them.
      const st = dir.stat();
      if ((st.mode & 0o777) !== 0o700) {
        // mkdir honours the umask; the directory must be exactly owner-only.
        using anchor = parent.openPath(name);
        anchor.chmodOwnDirectory(0o700);
      }
      const id = newMarkerId();
      // The marker is made durable before the entry exists, so a tracked
      // directory always carries its proof; the entry itself need not be
      // (lost, it leaves an untracked directory that is never deleted).
      writeMarker(dir, id);
      dir.fsync();
      crashPoint('create-after-marker');
      const now = ctx.now;
      const entry: Entry = {
        id,
        path: parent.path === '/' ? `/${name}` : `${parent.path}/${name}`,
        parent: parent.path,
        name,
        createdAt: now,
        expiresAt: settings.lifetime === null ? null : now + settings.lifetime,
        removeOnRestart: settings.removeOnRestart,
        keepWhileInUse: settings.keepWhileInUse,
        cleanup: settings.cleanup,
        maxSize: settings.maxSize,
        nameStyle: style,
        tags: settings.tags,
        description: settings.description,
        bootId: ctx.bootId,
        bootTime: ctx.bootTime,
        dev: st.dev,
        ino: st.ino,
        mountId: st.mntId,
        mountIdUnique: st.mntIdUnique,
        uid: st.uid,
        state: 'active',
        claimId: null,
        stagingPath: null,
        lastError: null,
        platform: ctx.platform,
      };
      try {
        ctx.registry.create(entry, { durable: false });
      } catch (err) {
        // Not tracked means never auto-removed: take back the empty directory
        // we just made (through our own fds), rather than leave an orphan.
        try {
          dir.unlink(MARKER_NAME);
          parent.rmdir(name);
        } catch {
          // something appeared inside: leave it, the error says why
        }
        throw err;
      }
      crashPoint('create-after-entry');
      ctx.registry.incrementStat('created');
      return entry;
    } finally {
      dir.close();
    }
  } finally {
    if (checked === null) parent.close();
  }
}

/** For tests and doctor: the default parent when none is configured. */
export function defaultParent(): string {
  return process.cwd() || os.tmpdir();
}

export function createContext(choice: RegistryChoice = {}): ApiContext {
  const ctx = openContext({ create: true, dataDir: choice.dataDir });
  if (!ctx) throw new EphemdirError(ErrorCodes.REGISTRY_UNUSABLE, 'could not create the registry');
  return ctx;
}
