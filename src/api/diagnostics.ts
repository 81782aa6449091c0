// What `ephemdir doctor` reports about the library, as plain data: the
// platform, the native addon, the data and config folders and their
// permissions, the config file, the registry and the boot id. Each check
// runs on its own: one that throws is a failed check, never a thrown call.
// Reads process.env, as every API call does.
import * as fs from 'node:fs';
import { hostPlatform, SUPPORTED_NAMES } from '../core/platform';
import { addonStatus } from '../fs/addon';
import { readBootId } from '../store/boot';
import { openDirectory } from '../fs/walk';
import { configDir as configDirOf, dataDir as dataDirOf } from '../store/paths';
import { loadConfig, openConfigDir } from '../store/config';
import { list, stats, unusableJournals } from './query';
import { checkCall } from '../core/options';
import { DIAGNOSE } from './query-signatures';
import type { RegistryOptions } from './types';

/** The checks {@link diagnose} runs, in its order (`boot-id` on Linux only). */
export const DIAGNOSTIC_NAMES = ['platform', 'addon', 'data-dir-source', 'config-dir-source', 'data-dir', 'config-dir', 'config-file', 'registry', 'boot-id'] as const;
/** One of {@link DIAGNOSTIC_NAMES}. */
export type DiagnosticName = (typeof DIAGNOSTIC_NAMES)[number];

/** One check of {@link diagnose}. */
export interface Diagnostic {
  name: DiagnosticName;
  ok: boolean;
  /** What was found (a path, a mode, a count), or why the check failed. */
  message: string;
  /** What to do about a failed check; null when there is nothing to say. */
  hint: string | null;
  /** The registry check only: entry files set aside (corrupt or unsafe). */
  quarantined?: Array<{ id: string | null; file: string; reason: string }>;
}

type Outcome = Omit<Diagnostic, 'name'>;

function attempt(name: DiagnosticName, fn: () => Outcome): Diagnostic {
  try {
    return { name, ...fn() };
  } catch (err) {
    return { name, ok: false, message: (err as Error).message ?? String(err), hint: null };
  }
}

/**
 * A folder of ours: owned by the user, writable by nobody else, reached
 * without symlinks or unsafe folders. The config folder follows config.toml's
 * own rule (root-owned allowed, symlinks of yours or root's followed).
 */
function folder(name: 'data-dir' | 'config-dir', dir: string, what: string): Diagnostic {
  if (!fs.existsSync(dir)) return { name, ok: true, message: `${dir} (not created yet; created on first use)`, hint: null };
  const c = attempt(name, () => {
    const h = name === 'config-dir' ? openConfigDir(dir) : openDirectory(dir, { trust: 'chain', final: 'owned' });
    const st = h.stat();
    h.close();
    return { ok: true, message: `${dir} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`, hint: null };
  });
  if (!c.ok) {
    c.hint = name === 'config-dir'
      ? `${what} must be yours (or root's) and writable by nobody else, with no unsafe folder or foreign symlink on the way`
      : `${what} must be yours and writable by nobody else, with no symlink or unsafe folder on the way`;
  }
  return c;
}

/** The native addon: where it loaded from, or the same account of what was tried and the fix as the error's. */
function addonCheck(): Diagnostic {
  return attempt('addon', () => {
    const status = addonStatus();
    if (!status.loaded) return { ok: false, message: status.message, hint: status.fix };
    return { ok: true, message: `loaded ${status.file} (${status.features.join(', ') || 'basic'})`, hint: null };
  });
}

async function registryCheck(options: RegistryOptions): Promise<Diagnostic> {
  try {
    const s = await stats(options);
    const { quarantined } = await list(options);
    const journals = await unusableJournals(options);
    if (journals.length > 0) {
      return {
        name: 'registry',
        ok: false,
        message: `readable; ${s.currentlyTracked} tracked; ${journals.length} batch ${journals.length === 1 ? 'journal' : 'journals'} cannot be used: ${journals.map((j) => j.message).join('; ')}`,
        hint: 'a batch journal that cannot be used is never applied, so the entries it names may show an older state: fix its owner/mode, or move it out of registry.d/batches once `ephemdir sweep` reports no other failure',
        ...(quarantined.length > 0 ? { quarantined: quarantined.map((q) => ({ id: q.id, file: q.file, reason: q.reason })) } : {}),
      };
    }
    if (quarantined.length > 0) {
      const files = quarantined.map((q) => `${q.file} (${q.reason})`).join('; ');
      return {
        name: 'registry',
        ok: false,
        message: `readable; ${s.currentlyTracked} tracked; ${quarantined.length} unusable entry ${quarantined.length === 1 ? 'file' : 'files'} set aside: ${files}`,
        hint: 'an entry file set aside is never acted on: fix its owner/mode, or move it out of registry.d once you have checked the directory it names',
        quarantined: quarantined.map((q) => ({ id: q.id, file: q.file, reason: q.reason })),
      };
    }
    return { name: 'registry', ok: true, message: `readable; ${s.currentlyTracked} tracked`, hint: null };
  } catch (err) {
    return { name: 'registry', ok: false, message: (err as Error).message, hint: 'see `ephemdir list` for details' };
  }
}

/**
 * Checks what ephemdir needs, without changing anything: the platform, the
 * native addon, the data and config folders (where they come from, and that
 * they are yours and writable by nobody else), the config file, the registry
 * (entry files set aside are listed) and, on Linux, the boot id. A check
 * that cannot be made is a failed check with its reason, never a throw;
 * only a malformed `dataDir` is refused (EPHEMDIR_INVALID_ARGUMENT).
 * Works where ephemdir cannot run (another platform, no addon) to say why.
 */
export async function diagnose(options: RegistryOptions = {}): Promise<Diagnostic[]> {
  checkCall(DIAGNOSE, [], options);
  const env = process.env;
  const checks: Diagnostic[] = [];
  const platform = hostPlatform();
  checks.push({
    name: 'platform',
    ok: platform !== null,
    message: `${process.platform} ${process.arch}, node ${process.versions.node}`,
    hint: platform !== null ? null : `ephemdir supports ${SUPPORTED_NAMES} only`,
  });
  checks.push(addonCheck());
  let dataDir: string | null = null;
  let configDir: string | null = null;
  checks.push(
    attempt('data-dir-source', () => {
      dataDir = options.dataDir ?? dataDirOf(env);
      const source = options.dataDir !== undefined ? 'the dataDir option' : env.EPHEMDIR_DATA_DIR ? 'EPHEMDIR_DATA_DIR' : 'platform default';
      return { ok: true, message: source, hint: null };
    }),
  );
  checks.push(
    attempt('config-dir-source', () => {
      configDir = configDirOf(env);
      return { ok: true, message: env.EPHEMDIR_CONFIG_DIR ? 'EPHEMDIR_CONFIG_DIR' : 'platform default', hint: null };
    }),
  );
  if (dataDir) checks.push(folder('data-dir', dataDir, 'the data folder'));
  if (configDir) {
    checks.push(folder('config-dir', configDir, 'the config folder'));
    checks.push(
      attempt('config-file', () => {
        const loaded = loadConfig(env);
        if (loaded.warnings.length) return { ok: false, message: loaded.warnings.join('; '), hint: 'fix or remove the config file' };
        const exists = fs.existsSync(loaded.file);
        return { ok: true, message: exists ? `${loaded.file} (${Object.keys(loaded.values).length} settings)` : 'none (built-in defaults)', hint: null };
      }),
    );
  }
  checks.push(await registryCheck(options));
  if (platform === 'linux') {
    // The same no-follow read the restart rule uses, so doctor shows what sweeps see.
    const boot = attempt('boot-id', () => {
      const id = readBootId();
      if (id === null) throw new Error('/proc/sys/kernel/random/boot_id is missing or malformed');
      return { ok: true, message: id, hint: null };
    });
    if (!boot.ok) boot.hint = 'restart detection needs /proc; until-restart directories stay until swept otherwise';
    checks.push(boot);
  }
  return checks;
}
