// Kills a real process with SIGKILL at every step of creation in turn
// (tempdirSync() and tempdir()), then looks at what is left and sweeps: the
// README's "Crash safety of creation" table, checked step by step.
// - create-after-mkdir: an empty 0700 directory, no marker, nothing in the
//   registry; the sweep leaves it alone (it cannot be proven ours).
// - create-after-marker: the directory with its durable marker, nothing in
//   the registry; the sweep leaves it alone (untracked is never deleted).
// - create-after-entry: a complete, tracked directory; the sweep removes it
//   when due, entry and hints with it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { runNode, srcModule } from '../helpers/child';
import * as api from '../../src/api/index';
import type { CrashStep } from '../../src/api/crash-points';

const env = isolatedEnv('create-crash');
// The test-only module that turns EPHEMDIR_CRASH_AT into a SIGKILL (the package has no such hook).
const CRASH_HOOK = path.join(__dirname, '..', 'helpers', `crash-hook${path.extname(__filename)}`);
after(() => env.cleanup());

const STEPS: CrashStep[] = ['create-after-mkdir', 'create-after-marker', 'create-after-entry'];
const FORMS = ['tempdirSync', 'tempdir'] as const;

/** Runs one creation in a child with the crash hook armed at `step` (or none); its exit. */
function createInChild(form: (typeof FORMS)[number], parent: string, step: string | null, hook = true, lifetime: number | string = 0) {
  const call = `require(${JSON.stringify(srcModule('api/index'))}).${form}({ parent: ${JSON.stringify(parent)}, lifetime: ${JSON.stringify(lifetime)}, removeOnExit: false })`;
  const code = `${hook ? `require(${JSON.stringify(CRASH_HOOK)});` : ''} Promise.resolve(${call}).then((d) => console.log(d.path))`;
  return runNode(code, { env: step === null ? { ...process.env } : { ...process.env, EPHEMDIR_CRASH_AT: step } });
}

/** Every file or folder name under `dir` (recursively) that contains `needle`. */
function namesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.name.includes(needle)) out.push(path.relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** Temp files of atomic writes left in the registry (a crash inside a write would leave one). */
function tempFiles(dir: string): string[] {
  return fs.existsSync(dir) ? namesContaining(dir, '.tmp').filter((n) => path.basename(n).startsWith('.')) : [];
}

for (const form of FORMS) {
  for (const step of STEPS) {
    test(`SIGKILL at ${step} in ${form}(): what is left, and what the next sweep does with it`, async () => {
      const parent = path.join(env.work, `${form}-${step}`);
      fs.mkdirSync(parent, { mode: 0o700 });
      const r = createInChild(form, parent, step);
      assert.equal(r.signal, 'SIGKILL', `the child must die at ${step}: ${r.stderr}`);

      const made = fs.readdirSync(parent);
      assert.equal(made.length, 1, `one directory made before the crash: ${made.join(', ')}`);
      const dir = path.join(parent, made[0]!);
      const st = fs.lstatSync(dir);
      assert.ok(st.isDirectory());
      assert.equal(st.mode & 0o777, 0o700, 'private from the start');
      const marker = path.join(dir, '.ephemdir');
      const tracked = () => api.registered().then((all) => all.filter((e) => e.path === dir));

      if (step === 'create-after-mkdir') {
        assert.deepEqual(fs.readdirSync(dir), [], 'no marker yet: nothing proves it ours');
        assert.deepEqual(await tracked(), [], 'not tracked');
      } else {
        const id = fs.readFileSync(marker, 'latin1').trim();
        assert.match(id, /^[0-9a-f]{32}$/, 'the marker is complete (written and fsynced before the next step)');
        const entries = await tracked();
        if (step === 'create-after-marker') {
          assert.deepEqual(entries, [], 'not tracked yet');
          assert.deepEqual(namesContaining(env.data, id), [], 'no entry, hint or lock names it');
        } else {
          assert.equal(entries.length, 1, 'tracked');
          assert.equal(entries[0]!.id, id, 'the entry carries the marker id');
          assert.equal(entries[0]!.state, 'active');
          assert.equal(entries[0]!.ino, st.ino, 'and the identity of the directory');
        }
      }
      assert.deepEqual(tempFiles(env.data), [], 'no half-written registry file');
      assert.deepEqual((await api.list()).quarantined, [], 'nothing set aside');

      const report = await api.sweep();
      assert.deepEqual(report.failed, [], 'the sweep fails on nothing');
      assert.deepEqual(report.quarantined ?? [], []);
      if (step === 'create-after-entry') {
        assert.ok(report.removed.some((i) => i.path === dir), 'a tracked, due directory is removed');
        assert.equal(fs.existsSync(dir), false, 'gone');
        assert.deepEqual(await tracked(), [], 'entry committed');
        assert.deepEqual(namesContaining(env.data, made[0]!), [], 'no name hint left');
      } else {
        // Untracked: ephemdir never deletes what no entry proves ours.
        assert.equal(fs.existsSync(dir), true, 'left alone');
        assert.equal(report.removed.some((i) => i.path === dir), false);
        assert.deepEqual(await tracked(), []);
      }

      // The next creation in the same parent is not disturbed by the leftover.
      const again = createInChild(form, parent, null, false);
      assert.equal(again.status, 0, again.stderr);
      const next = again.stdout.trim();
      assert.equal((await tracked()).length, 0);
      assert.ok((await api.registered()).some((e) => e.path === next), 'tracked');
      assert.equal(fs.existsSync(path.join(next, '.ephemdir')), true);
    });
  }
}

test('without the test hook, EPHEMDIR_CRASH_AT=create-* does nothing', () => {
  const parent = path.join(env.work, 'no-hook');
  fs.mkdirSync(parent, { mode: 0o700 });
  for (const step of STEPS) {
    const r = createInChild('tempdirSync', parent, step, false, '1h');
    assert.equal(r.signal, null, `${step}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.existsSync(path.join(r.stdout.trim(), '.ephemdir')), true);
  }
  assert.equal(fs.readdirSync(parent).length, STEPS.length);
});
