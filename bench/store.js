'use strict';
// Benchmark section "store": the registry's per-entry costs, on tmpfs
// (/dev/shm: the CPU cost) and on the disk under os.tmpdir() (the fsync
// cost). For each: create N entries (non-durable, as tempdir() creates
// them; fixture.js), list() them all, update U of them (durable, as keep()
// and extend() do) and one dueHints() scan bounded to 50.
//   --store-entries 2000   N on tmpfs (a tenth of it on the disk)
// Measured here rather than printed by test/store/registry.test.ts, which
// checks the same operations for correctness only.
const fs = require('node:fs');
const os = require('node:os');
const lib = require('./lib');
const fixture = require('./fixture');

function measure(where, n, updates) {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = where; // fixture.scratch() makes its folder in os.tmpdir()
  let s;
  try {
    s = fixture.scratch('store');
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  try {
    const createSeconds = fixture.addEntries(s, n, { real: false });
    const { Registry } = fixture.dist('store/registry.js');
    const reg = Registry.open({ create: false, env: s.env });
    try {
      let t0 = performance.now();
      const listed = reg.list();
      const listSeconds = (performance.now() - t0) / 1000;
      if (listed.entries.length !== n) throw new Error(`listed ${listed.entries.length} of ${n} entries`);
      const ids = listed.entries.slice(0, updates).map((e) => e.id);
      t0 = performance.now();
      for (const id of ids) reg.update(id, (cur) => ({ entry: { ...cur, expiresAt: cur.expiresAt + 86_400 }, result: 0 }));
      const updateSeconds = (performance.now() - t0) / 1000;
      t0 = performance.now();
      reg.dueHints(Date.now() / 1000 + 40 * 86_400, null, 50);
      const dueSeconds = (performance.now() - t0) / 1000;
      return { where, fsType: lib.fsType(s.base), n, updates, createSeconds, listSeconds, updateSeconds, dueSeconds };
    } finally {
      reg.close();
    }
  } finally {
    s.dispose();
  }
}

async function run(opts = {}) {
  if (!fixture.apiAvailable()) return { title: 'store', text: 'skipped: dist/ is missing (run `npm run compile`)', data: null };
  const n = opts.storeEntries ?? 2000;
  const places = [];
  if (fs.existsSync('/dev/shm')) places.push(['/dev/shm', n, Math.min(200, n)]);
  places.push([os.tmpdir(), Math.max(1, Math.round(n / 10)), Math.min(50, n)]);
  const rows = [];
  const data = [];
  for (const [where, count, updates] of places) {
    const m = measure(where, count, updates);
    data.push(m);
    rows.push([
      `${where} (${m.fsType ?? '?'})`,
      m.n,
      lib.fmt((m.createSeconds / m.n) * 1000, 3),
      lib.fmt(m.listSeconds * 1000, 1),
      lib.fmt((m.listSeconds / m.n) * 1e6, 1),
      lib.fmt((m.updateSeconds / m.updates) * 1000, 3),
      lib.fmt(m.dueSeconds * 1000, 1),
    ]);
  }
  const text = lib.table(['where', 'entries', 'create ms/entry', 'list ms', 'list us/entry', 'update ms/entry', 'dueHints(50) ms'], rows);
  return { title: 'store (registry per-entry costs)', text, data };
}

module.exports = { run, description: 'registry create/list/update/dueHints per entry, on tmpfs and on disk' };
