'use strict';
// Registry fixtures for the API sections (tempdir, sweep, registry, cli).
// Everything lives in scratch folders under os.tmpdir() (a data dir, a
// config dir and a parent for the directories), removed by `dispose()` or,
// at the latest, when the process exits. Entries are written through the
// built package's own Registry.create (the real on-disk format: one
// entries/<id>.json plus its schedule/boots hints), not through tempdir(),
// so 100,000 of them take seconds instead of many minutes.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('./lib');

const dist = (p) => require(path.join(root, 'dist', p));

function apiAvailable() {
  return fs.existsSync(path.join(root, 'dist', 'index.js')) && fs.existsSync(path.join(root, 'dist', 'store', 'registry.js'));
}

const live = new Set();
process.on('exit', () => {
  for (const s of live) fs.rmSync(s.base, { recursive: true, force: true });
});

/**
 * A scratch area: { base, dataDir, configDir, parent, env, dispose }.
 * `env` is process.env with EPHEMDIR_DATA_DIR / EPHEMDIR_CONFIG_DIR set to it.
 */
function scratch(label) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `ephemdir-bench-${label}-`));
  fs.chmodSync(base, 0o700);
  const s = {
    base,
    dataDir: path.join(base, 'data'),
    configDir: path.join(base, 'config'),
    parent: path.join(base, 'dirs'),
    dispose() {
      if (!live.delete(s)) return;
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
  for (const d of [s.dataDir, s.configDir, s.parent]) fs.mkdirSync(d, { mode: 0o700 });
  s.env = { ...process.env, EPHEMDIR_DATA_DIR: s.dataDir, EPHEMDIR_CONFIG_DIR: s.configDir };
  live.add(s);
  return s;
}

/** Runs `fn` with process.env pointing the library at the scratch area (the API reads process.env). */
async function withEnv(s, fn) {
  const saved = { data: process.env.EPHEMDIR_DATA_DIR, config: process.env.EPHEMDIR_CONFIG_DIR };
  process.env.EPHEMDIR_DATA_DIR = s.dataDir;
  process.env.EPHEMDIR_CONFIG_DIR = s.configDir;
  try {
    return await fn();
  } finally {
    const restore = (k, v) => (v === undefined ? delete process.env[k] : (process.env[k] = v));
    restore('EPHEMDIR_DATA_DIR', saved.data);
    restore('EPHEMDIR_CONFIG_DIR', saved.config);
  }
}

let fakeIno = 1;

/** An entry as createEntry() would write it (fields in entry.ts order). */
function entryFor(ctx, name, id, expiresAt, st) {
  return {
    id,
    path: `${ctx.parent}/${name}`,
    parent: ctx.parent,
    name,
    createdAt: ctx.now - 60,
    expiresAt,
    removeOnRestart: true,
    keepWhileInUse: false,
    cleanup: 'auto',
    maxSize: null,
    nameStyle: 'secure',
    tags: [],
    description: null,
    bootId: ctx.boot.bootId,
    bootTime: ctx.boot.bootTime,
    dev: st ? st.dev : ctx.parentStat.dev,
    ino: st ? st.ino : 1_000_000_000 + fakeIno++,
    mountId: st ? st.mntId : ctx.parentStat.mntId,
    mountIdUnique: st ? st.mntIdUnique : ctx.parentStat.mntIdUnique,
    uid: st ? st.uid : ctx.parentStat.uid,
    state: 'active',
    claimId: null,
    stagingPath: null,
    lastError: null,
    platform: process.platform,
  };
}

/**
 * Adds `count` entries to the scratch registry and returns the seconds it took.
 *   real: false  entries for directories that do not exist (names under s.parent)
 *   real: true   each gets a real 0700 directory with its .ephemdir marker and
 *                `files` small files (`fileBytes` each)
 *   expires      (i, now) -> expiresAt; default: 1 to 30 days ahead, spread
 *                over the schedule buckets, so nothing is due
 * Entries are created non-durably, as tempdir() creates them.
 */
function addEntries(s, count, opts = {}) {
  const { Registry } = dist('store/registry.js');
  const { openDirectory } = dist('fs/walk.js');
  const { currentBoot } = dist('store/boot.js');
  const real = opts.real ?? false;
  const files = opts.files ?? 0;
  const payload = Buffer.alloc(opts.fileBytes ?? 100, 'x');
  const expires = opts.expires ?? ((i, now) => now + 86_400 + (i / Math.max(1, count)) * 29 * 86_400);
  const t0 = performance.now();
  const reg = Registry.open({ create: true, env: s.env });
  const parentDir = openDirectory(s.parent, { trust: 'chain', final: 'parent' });
  try {
    const ctx = { parent: s.parent, now: Date.now() / 1000, boot: currentBoot(), parentStat: parentDir.stat() };
    for (let i = 0; i < count; i++) {
      const id = crypto.randomBytes(16).toString('hex');
      const name = `${opts.prefix ?? 'fx'}-${id.slice(0, 16)}`;
      let st = null;
      if (real) {
        parentDir.mkdir(name, 0o700);
        const dir = parentDir.openDir(name, { noXdev: true });
        try {
          st = dir.stat();
        } finally {
          dir.close();
        }
        const p = path.join(s.parent, name);
        fs.writeFileSync(path.join(p, '.ephemdir'), `${id}\n`, { mode: 0o600, flag: 'wx' });
        for (let f = 0; f < files; f++) fs.writeFileSync(path.join(p, `file-${f}.txt`), payload, { mode: 0o600 });
      }
      reg.create(entryFor(ctx, name, id, expires(i, ctx.now), st), { durable: false });
    }
  } finally {
    parentDir.close();
    reg.close();
  }
  return (performance.now() - t0) / 1000;
}

/** The entry files on disk, across shards (entries/<shard>/<id>.json). */
function entryFiles(s) {
  const top = path.join(s.dataDir, 'registry.d', 'entries');
  let shards;
  try {
    shards = fs.readdirSync(top);
  } catch {
    return [];
  }
  return shards.flatMap((d) => fs.readdirSync(path.join(top, d)).filter((n) => n.endsWith('.json')).map((n) => path.join(top, d, n)));
}

/** Number of entry files on disk (a cheap sanity check of a fixture). */
function entryFileCount(s) {
  return entryFiles(s).length;
}

/**
 * The peer for "read the whole registry": readdir of the entry shards plus
 * readFileSync + JSON.parse of every entry file, no validation.
 */
function rawReadAll(s) {
  return entryFiles(s).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
}

const cache = new Map();

/**
 * A scratch registry of `count` non-existent, not-due entries, built once per
 * process and shared by the sections that need the same size (they must
 * leave the entry count as they found it). Returns { s, buildSeconds, shared }.
 */
function ghostRegistry(count) {
  const hit = cache.get(count);
  if (hit && live.has(hit.s)) return { ...hit, shared: true };
  const s = scratch(`reg${count}`);
  const buildSeconds = addEntries(s, count, { real: false });
  const got = entryFileCount(s);
  if (got !== count) throw new Error(`fixture has ${got} entry files, expected ${count}`);
  const v = { s, buildSeconds };
  cache.set(count, v);
  return { ...v, shared: false };
}

/** Percentile (nearest rank) of xs, p in 0..100. */
function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const srt = [...xs].sort((a, b) => a - b);
  return srt[Math.min(srt.length - 1, Math.max(0, Math.ceil((p / 100) * srt.length) - 1))];
}

function loadavg() {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return os.loadavg().map((x) => x.toFixed(2)).join(' ');
  }
}

module.exports = { dist, apiAvailable, scratch, withEnv, addEntries, entryFileCount, rawReadAll, ghostRegistry, percentile, loadavg };
