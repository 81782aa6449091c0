// Batched sweeps (src/api/sweep-batch.ts): more due directories than one
// batch holds, under two parents (two staging folders per batch), with one
// held directory among them: every check stays per entry, the held one is
// deferred intact and the others are removed; nothing is left behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import * as api from '../../src/api/index';
import { BATCH_SIZE } from '../../src/api/sweep-batch';

const env = isolatedEnv('sweep-batch');
after(() => env.cleanup());

test(`${BATCH_SIZE + 6} due directories under two parents, one held: the others go, the held one stays whole`, async () => {
  const parents = [path.join(env.work, 'a'), path.join(env.work, 'b')];
  for (const p of parents) fs.mkdirSync(p, { mode: 0o700 });
  const made: api.EphemeralDirectory[] = [];
  for (let i = 0; i < BATCH_SIZE + 6; i++) {
    const d = await api.tempdir({ parent: parents[i % 2]!, cleanup: 'next-sweep', tags: ['batch'] });
    fs.writeFileSync(path.join(d.path, 'f'), 'x');
    made.push(d);
  }
  const held = made[BATCH_SIZE - 1]!;
  const hold = held.hold();
  try {
    const report = await api.sweep({ tags: ['batch'] });
    assert.equal(report.removed.length, made.length - 1);
    assert.deepEqual(report.failed, []);
    assert.deepEqual(
      report.deferred.map((i) => [i.path, i.blockers]),
      [[held.path, ['locked']]],
    );
  } finally {
    hold.release();
  }
  for (const d of made) assert.equal(fs.existsSync(d.path), d === held, d.path);
  assert.equal(fs.readFileSync(path.join(held.path, 'f'), 'utf8'), 'x', 'the held one is whole');
  assert.deepEqual((await api.registered()).map((e) => e.path), [held.path]);
  for (const p of parents) assert.deepEqual(fs.readdirSync(p).filter((n) => n.startsWith('.ephemdir-staging')), [], `${p}: no staging folder left`);
  const batches = path.join(env.data, 'registry.d', 'batches');
  assert.deepEqual(fs.existsSync(batches) ? fs.readdirSync(batches) : [], [], 'the journals are dropped');
});
