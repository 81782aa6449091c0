// sweep({ signal }): a pre-aborted signal touches nothing; an abort while a
// tree is being removed stops the engine at its next entry, leaves the entry
// mid-deletion (journaled, no error recorded) and the next sweep finishes it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import * as api from '../../src/api/index';
import { AbortError } from '../../src/fs/abort';

const env = isolatedEnv('sweep-abort');
// The big tree lives on tmpfs when there is one (made in a fraction of the
// time a loaded disk takes); the registry stays in env.data.
const fast = (() => {
  try {
    return fs.mkdtempSync(path.join('/dev/shm', 'ephemdir-sweep-abort-'));
  } catch {
    return null;
  }
})();
const bigParent = fast ?? env.work;
after(() => {
  if (fast) execFileSync('rm', ['-rf', '--one-file-system', fast]);
  env.cleanup();
});

function fill(dir: string, dirs: number, per: number): void {
  const names = Array.from({ length: per }, (_, i) => `f${i}`);
  for (let d = 0; d < dirs; d++) {
    fs.mkdirSync(path.join(dir, `d${d}`));
    execFileSync('touch', names, { cwd: path.join(dir, `d${d}`) });
  }
}

test('sweep with a pre-aborted signal touches nothing', async () => {
  const d = await api.tempdir({ parent: env.work, lifetime: '1h', tags: ['pre'] });
  fs.writeFileSync(path.join(d.path, 'x'), 'x');
  const reason = new Error('not now');
  await assert.rejects(api.sweep({ force: true, tags: ['pre'], signal: AbortSignal.abort(reason) }), (err: unknown) => {
    assert.ok(err instanceof AbortError);
    assert.equal((err as AbortError).code, 'ABORT_ERR');
    assert.equal((err as AbortError).cause, reason);
    return true;
  });
  assert.equal(fs.readFileSync(path.join(d.path, 'x'), 'utf8'), 'x');
  assert.equal((await api.registered()).find((e) => e.id === d.id)?.state, 'active');
  await assert.rejects(api.sweep({ signal: 'stop' as unknown as AbortSignal }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
});

test('an abort while sweep removes a tree stops it mid-way; the next sweep finishes it', async () => {
  const d = await api.tempdir({ parent: bigParent, lifetime: '1h', tags: ['mid'] });
  // 20,000 files: the first progress report comes at ~10,000 entries at the latest, half-way.
  fill(d.path, 40, 500);
  const ac = new AbortController();
  let err: (AbortError & { report?: api.SweepReport }) | undefined;
  try {
    await api.sweep({
      force: true,
      tags: ['mid'],
      signal: ac.signal,
      onProgress: (p) => {
        if (p.entriesRemoved > 0) ac.abort();
      },
    });
  } catch (e) {
    err = e as AbortError & { report?: api.SweepReport };
  }
  assert.ok(err instanceof AbortError, `expected an AbortError, got ${String(err)}`);
  assert.equal(err.report?.removed.length, 0);
  assert.equal(err.report?.postponed, 1, 'the tree under way was left mid-deletion');
  const entry = (await api.registered()).find((e) => e.id === d.id);
  assert.equal(entry?.state, 'deleting');
  assert.equal(entry?.lastError ?? null, null, 'a stop on request is not recorded as an error');
  const staged = fs.readdirSync(bigParent).filter((n) => n.startsWith('.ephemdir-staging'));
  assert.equal(staged.length, 1, 'the rest of the tree waits in staging');

  const report = await api.sweep({ tags: ['mid'] });
  assert.deepEqual(report.removed.map((i) => i.path), [d.path]);
  assert.equal((await api.registered()).find((e) => e.id === d.id), undefined);
  assert.deepEqual(fs.readdirSync(bigParent).filter((n) => n.startsWith('.ephemdir-staging')), []);
});
