// `ephemdir doctor`: checks the platform, the native addon, the data and
// config folders and their permissions, the registry, the config file and the
// scheduled service. Exit 1 when any check fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeForTerminal as esc } from '../../core/humanize';
import type { Ctx } from '../io';
import type { NativeFs } from '../../native/binding';
import { stringify } from '../json';
import { JSON_OPT, PLAIN_OPT, defineCommand } from '../spec';

export interface Check {
  name: string;
  ok: boolean;
  message: string;
  hint: string | null;
  /** The registry check only: entry files set aside (corrupt or unsafe). */
  quarantined?: Array<{ id: string | null; file: string; reason: string }>;
}

function attempt(name: string, fn: () => Omit<Check, 'name'>): Check {
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
function folder(name: string, dir: string, what: string): Check {
  if (!fs.existsSync(dir)) return { name, ok: true, message: `${dir} (not created yet; created on first use)`, hint: null };
  const c = attempt(name, () => {
    let h;
    if (name === 'config-dir') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      h = (require('../../store/config') as typeof import('../../store/config')).openConfigDir(dir);
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      h = (require('../../fs/walk') as typeof import('../../fs/walk')).openDirectory(dir, { trust: 'chain', final: 'owned' });
    }
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
function addonCheck(): Check {
  return attempt('addon', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { probeNative } = require('../../native/loader') as typeof import('../../native/loader');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { unavailableSummary } = require('../../native/unavailable') as typeof import('../../native/unavailable');
    const status = probeNative<NativeFs>();
    if (!status.module) {
      const fix = (status.error as { fix?: string } | null)?.fix ?? null;
      return { ok: false, message: unavailableSummary(status.root, status.host, process.versions.node, status.refused), hint: fix };
    }
    const on = Object.entries(status.module.capabilities())
      .filter(([k, v]) => k !== 'platform' && v === true)
      .map(([k]) => k);
    return { ok: true, message: `loaded ${status.file} (${on.join(', ') || 'basic'})`, hint: null };
  });
}

export async function runChecks(env: NodeJS.ProcessEnv): Promise<Check[]> {
  const checks: Check[] = [];
  const supported = process.platform === 'linux' || process.platform === 'darwin';
  checks.push({
    name: 'platform',
    ok: supported,
    message: `${process.platform} ${process.arch}, node ${process.versions.node}`,
    hint: supported ? null : 'ephemdir supports Linux and macOS only',
  });
  checks.push(addonCheck());
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const paths = require('../../store/paths') as typeof import('../../store/paths');
  let dataDir: string | null = null;
  let configDir: string | null = null;
  checks.push(
    attempt('data-dir-source', () => {
      dataDir = paths.dataDir(env);
      return { ok: true, message: env.EPHEMDIR_DATA_DIR ? 'EPHEMDIR_DATA_DIR' : 'platform default', hint: null };
    }),
  );
  checks.push(
    attempt('config-dir-source', () => {
      configDir = paths.configDir(env);
      return { ok: true, message: env.EPHEMDIR_CONFIG_DIR ? 'EPHEMDIR_CONFIG_DIR' : 'platform default', hint: null };
    }),
  );
  if (dataDir) checks.push(folder('data-dir', dataDir, 'the data folder'));
  if (configDir) {
    checks.push(folder('config-dir', configDir, 'the config folder'));
    checks.push(
      attempt('config-file', () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { loadConfig } = require('../../store/config') as typeof import('../../store/config');
        const loaded = loadConfig(env);
        if (loaded.warnings.length) return { ok: false, message: loaded.warnings.join('; '), hint: 'fix or remove the config file' };
        const exists = fs.existsSync(loaded.file);
        return { ok: true, message: exists ? `${loaded.file} (${Object.keys(loaded.values).length} settings)` : 'none (built-in defaults)', hint: null };
      }),
    );
  }
  const registry = await (async (): Promise<Check> => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const api = require('../../api') as typeof import('../../api');
      const s = await api.stats();
      const { quarantined } = await api.list();
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
  })();
  checks.push(registry);
  if (process.platform === 'linux') {
    checks.push(
      attempt('boot-id', () => {
        const id = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
        return { ok: true, message: id, hint: null };
      }),
    );
    if (!checks[checks.length - 1]!.ok) checks[checks.length - 1]!.hint = 'restart detection needs /proc; until-restart directories stay until swept otherwise';
  }
  checks.push(serviceCheck(env));
  return checks;
}

function serviceCheck(env: NodeJS.ProcessEnv): Check {
  return attempt('service', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { unitDir } = require('../service/command') as typeof import('../service/command');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const units = require('../service/units') as typeof import('../service/units');
    const dir = unitDir(env);
    const file = path.join(dir, process.platform === 'darwin' ? units.PLIST_NAME : units.SERVICE_NAME);
    if (!fs.existsSync(file)) {
      return { ok: true, message: 'not installed (sweeps run only when you use ephemdir)', hint: 'ephemdir install-service' };
    }
    const text = fs.readFileSync(file, 'utf8');
    const main = path.join(path.resolve(__dirname, '..', '..'), 'dist', 'cli', 'main.js');
    let real = main;
    try {
      real = fs.realpathSync(main);
    } catch {
      // keep the lexical path
    }
    if (!text.includes(real) && !text.includes(main)) {
      return { ok: false, message: `${file} runs a different ephemdir install`, hint: 'ephemdir install-service (to point it at this one)' };
    }
    return { ok: true, message: `installed: ${file}`, hint: null };
  });
}

export default defineCommand(
  {
    name: 'doctor',
    summary: 'check the platform, addon, folders, permissions and service',
    options: { json: JSON_OPT, plain: PLAIN_OPT },
    examples: [{ run: 'ephemdir doctor', does: 'check this machine; exit 1 names what is wrong' }],
  },
  async (ctx: Ctx, opts) => {
    const checks = await runChecks(ctx.env);
    const failed = checks.some((c) => !c.ok);
    if (opts.json) {
      ctx.out(stringify(checks));
      return failed ? 1 : 0;
    }
    const emoji = ctx.emoji(opts.plain);
    const w = Math.max(...checks.map((c) => c.name.length));
    let out = '';
    for (const c of checks) {
      const mark = c.ok ? ctx.paint('green', emoji ? '✓' : '[ok]') : ctx.paint('red', emoji ? '✗' : '[!!]');
      out += `${mark} ${c.name.padEnd(w)}  ${esc(c.message)}\n`;
      if (c.hint && !c.ok) out += `  ${' '.repeat(w)}  ${ctx.paint('dim', `hint: ${esc(c.hint)}`)}\n`;
    }
    ctx.out(out);
    if (failed) ctx.error('some checks failed');
    return failed ? 1 : 0;
  },
);
