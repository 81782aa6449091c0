// Kills a real sweeping process with SIGKILL at every step of the deletion
// protocol in turn, then sweeps again: nothing outside is touched, nothing
// is left untracked, and the tree is eventually gone (or parked for recover).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { runNode, srcModule } from '../helpers/child';
import * as api from '../../src/api/index';

const env = isolatedEnv('crash');
// The test-only module that turns EPHEMDIR_CRASH_AT into a SIGKILL (the package has no such hook).
const CRASH_HOOK = path.join(__dirname, '..', 'helpers', `crash-hook${path.extname(__filename)}`);
after(() => env.cleanup());

const STEPS = [
  'after-intent',
  'after-staging-folder',
  'after-rename',
  'after-deleting',
  'mid-delete',
  'after-tree-removed',
  'after-staging-removed',
];

// The engine reports progress every 10,000 entries (or 100 ms), so the
// mid-delete kill needs a tree comfortably larger than that.
function fill(dir: string, files: number): void {
  for (let i = 0; i < files / 200; i++) {
    const sub = path.join(dir, `d${i}`);
    fs.mkdirSync(sub);
    for (let j = 0; j < 200; j++) fs.closeSync(fs.openSync(path.join(sub, `f${j}`), 'w'));
  }
}

function countTree(p: string): number {
  let n = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    n++;
    if (e.isDirectory()) n += countTree(path.join(p, e.name));
  }
  return n;
}

for (const step of STEPS) {
  test(`SIGKILL ${step}: the next sweep reconciles`, async () => {
    const sentinel = path.join(env.work, `sentinel-${step}`);
    fs.writeFileSync(sentinel, 'outside');
    const d = await api.tempdir({ parent: env.work, lifetime: 0, tags: [step] });
    const files = step === 'mid-delete' ? 16_000 : 2_000;
    fill(d.path, files);
    const r = runNode(`require(${JSON.stringify(CRASH_HOOK)}); require(${JSON.stringify(srcModule('api/index'))}).sweep({ tags: [${JSON.stringify(step)}] }).then(() => console.log('finished'))`, {
      env: { ...process.env, EPHEMDIR_CRASH_AT: step },
    });
    assert.equal(r.signal, 'SIGKILL', `the child must die at ${step}: ${r.stderr}`);

    const midway = (await api.registered()).find((e) => e.id === d.id);
    if (midway) assert.notEqual(midway.state, 'recovery', 'a crash is never ambiguous');
    if (step === 'mid-delete') {
      const staged = path.join(midway!.stagingPath!, midway!.name);
      const left = countTree(staged);
      assert.ok(left > 0 && left < files, `killed part-way: ${left} of ${files} entries left`);
      assert.equal(fs.existsSync(path.join(staged, '.ephemdir')), true, 'the marker goes last');
    }

    await api.sweep({ tags: [step] });
    if ((await api.registered()).some((e) => e.id === d.id)) await api.sweep({ tags: [step] });

    assert.equal((await api.registered()).some((e) => e.id === d.id), false, 'entry committed');
    assert.equal(fs.existsSync(d.path), false, 'tree gone');
    assert.deepEqual(
      fs.readdirSync(env.work).filter((n) => n.startsWith('.ephemdir-staging')),
      [],
      'no staging folder left behind',
    );
    assert.equal(fs.readFileSync(sentinel, 'utf8'), 'outside');
  });
}

test('without the test hook, EPHEMDIR_CRASH_AT does nothing', async () => {
  const d = await api.tempdir({ parent: env.work, lifetime: 0, tags: ['no-hook'] });
  fill(d.path, 400);
  for (const step of STEPS) {
    const r = runNode(`require(${JSON.stringify(srcModule('api/index'))}).sweep({ tags: ['no-hook'] }).then(() => console.log('finished'))`, {
      env: { ...process.env, EPHEMDIR_CRASH_AT: step },
    });
    assert.equal(r.signal, null, `${step}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), 'finished');
  }
  assert.equal(fs.existsSync(d.path), false, 'swept normally');
});
