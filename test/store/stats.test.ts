// The usage ledger: updated in place under its lock (no temp file renamed
// over it, which cost every tempdir() as much as its fsyncs on ext4), with a
// `sum` that lets lock-free readers tell a torn read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Registry } from '../../src/store/registry';
import { dataScratch, runWorker } from './_helpers';

function statsPath(data: string): string {
  return path.join(data, 'registry.d', 'stats.json');
}

test('increments rewrite stats.json in place: same inode, no temp file, a sum that adds up', () => {
  using s = dataScratch('stats-inplace');
  using reg = Registry.open({ create: true, env: s.env })!;
  reg.incrementStat('created');
  const first = fs.statSync(statsPath(s.data));
  for (let i = 0; i < 20; i++) reg.incrementStat('created');
  reg.incrementStat('removed', 3);
  const after = fs.statSync(statsPath(s.data));
  assert.equal(after.ino, first.ino, 'updated in place, not replaced by a rename');
  assert.equal(after.mode & 0o777, 0o600);
  assert.deepEqual(reg.stats(), { created: 21, swept: 0, kept: 0, removed: 3 });
  const raw = JSON.parse(fs.readFileSync(statsPath(s.data), 'utf8'));
  assert.equal(raw.sum, 24);
  assert.deepEqual(fs.readdirSync(path.join(s.data, 'registry.d')).filter((n) => n.endsWith('.tmp')), []);
});

test('a ledger written before the sum existed is read and carried on', () => {
  using s = dataScratch('stats-old');
  using reg = Registry.open({ create: true, env: s.env })!;
  fs.writeFileSync(statsPath(s.data), '{\n  "created": 7,\n  "swept": 3,\n  "kept": 1,\n  "removed": 2\n}\n', { mode: 0o600 });
  assert.deepEqual(reg.stats(), { created: 7, swept: 3, kept: 1, removed: 2 });
  reg.incrementStat('kept');
  assert.deepEqual(reg.stats(), { created: 7, swept: 3, kept: 2, removed: 2 });
});

test('bytes whose sum does not add up (a torn read) are not believed', () => {
  using s = dataScratch('stats-torn');
  using reg = Registry.open({ create: true, env: s.env })!;
  fs.writeFileSync(statsPath(s.data), JSON.stringify({ created: 19, swept: 0, kept: 0, removed: 0, sum: 20 }), { mode: 0o600 });
  assert.deepEqual(reg.stats(), { created: 0, swept: 0, kept: 0, removed: 0 });
});

test('a shorter new content leaves no old byte behind (padded, still valid JSON)', () => {
  using s = dataScratch('stats-pad');
  using reg = Registry.open({ create: true, env: s.env })!;
  const long = `${JSON.stringify({ created: 5, swept: 0, kept: 0, removed: 0 })}${' '.repeat(300)}\n`;
  fs.writeFileSync(statsPath(s.data), long, { mode: 0o600 });
  reg.incrementStat('created');
  const text = fs.readFileSync(statsPath(s.data), 'utf8');
  assert.equal(text.length, long.length);
  assert.deepEqual(JSON.parse(text), { created: 6, swept: 0, kept: 0, removed: 0, sum: 6 });
});

test('a symlink or a hard-linked file at stats.json is replaced, never written through', () => {
  using s = dataScratch('stats-link');
  using reg = Registry.open({ create: true, env: s.env })!;
  const outside = path.join(s.dir, 'outside.json');
  fs.writeFileSync(outside, 'untouched', { mode: 0o600 });
  fs.symlinkSync(outside, statsPath(s.data));
  reg.incrementStat('created');
  assert.equal(fs.readFileSync(outside, 'utf8'), 'untouched');
  assert.equal(fs.lstatSync(statsPath(s.data)).isFile(), true);
  fs.rmSync(statsPath(s.data));
  fs.linkSync(outside, statsPath(s.data));
  reg.incrementStat('created');
  assert.equal(fs.readFileSync(outside, 'utf8'), 'untouched');
  assert.equal(fs.lstatSync(statsPath(s.data)).nlink, 1);
});

test('a reader polling while another process increments sees the counter only grow', async () => {
  using s = dataScratch('stats-race');
  Registry.open({ create: true, env: s.env })!.close();
  const worker = runWorker(['create', '150'], s.env);
  let done = false;
  void worker.then(() => (done = true));
  using reg = Registry.open({ create: false, env: s.env })!;
  let last = 0;
  let reads = 0;
  while (!done) {
    const n = reg.stats().created;
    assert.ok(n >= last && n <= 150, `read ${n} after ${last}`);
    last = n;
    reads++;
    await new Promise((r) => setImmediate(r));
  }
  const r = await worker;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(reg.stats().created, 150);
  assert.ok(reads > 0);
});
