// Which of a package's own files a CLI process loads: run with a preload
// that records every file node's module loader reads (require, the addon),
// so a test can say that the bin is one bundled file beside its addon.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

const RECORDER = `
const Module = require('node:module');
const fs = require('node:fs');
const seen = new Set();
for (const ext of Object.keys(Module._extensions)) {
  const load = Module._extensions[ext];
  Module._extensions[ext] = function (module, filename) { seen.add(filename); return load.apply(this, arguments); };
}
process.on('exit', () => fs.writeFileSync(process.env.CLI_LOADED_OUT, JSON.stringify([...seen])));
`;

export interface LoadedRun {
  run: SpawnSyncReturns<string>;
  /** Files under `pkg` that were loaded, relative to it, sorted. */
  loaded: string[];
}

/** Runs `node <pkg>/<bin> ...args` and lists the package files it loaded. */
export function runRecordingLoads(pkg: string, bin: string, args: string[], env: NodeJS.ProcessEnv, work: string): LoadedRun {
  const recorder = path.join(work, 'record-loads.js');
  if (!fs.existsSync(recorder)) fs.writeFileSync(recorder, RECORDER);
  const out = path.join(work, `loaded-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const run = spawnSync(process.execPath, ['-r', recorder, path.join(pkg, bin), ...args], { env: { ...env, CLI_LOADED_OUT: out }, encoding: 'utf8', cwd: work });
  const all = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as string[]) : [];
  fs.rmSync(out, { force: true });
  const real = fs.realpathSync(pkg);
  const loaded = all
    .map((f) => (f.startsWith(real + path.sep) ? path.relative(real, f) : f.startsWith(pkg + path.sep) ? path.relative(pkg, f) : null))
    .filter((f): f is string => f !== null && !f.startsWith('node_modules' + path.sep))
    .sort();
  return { run, loaded };
}

/** The package files a bundled CLI may load: the bin itself, the addon, the scripts the loader reads, package.json. */
export function unexpectedLoads(loaded: readonly string[], bin: string): string[] {
  return loaded.filter((f) => f !== bin && !f.endsWith('.node') && !/^scripts\/[a-z-]+\.js$/.test(f) && f !== 'package.json');
}

/** The environment a CLI child runs with: a registry and config of its own under `dir`, no colour, no inherited NODE_OPTIONS. */
export function cliEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    EPHEMDIR_DATA_DIR: path.join(dir, 'data'),
    EPHEMDIR_CONFIG_DIR: path.join(dir, 'config'),
  };
  delete env.NODE_OPTIONS;
  return env;
}
