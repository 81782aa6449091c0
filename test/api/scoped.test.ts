// Scoped tasks: withTempdir / withTempdirSync (managed) and withTempDir /
// withTempDirSync (companion) remove their directory when the callback
// returns or throws, hand back its result, honour keep(), and when both the
// callback and the removal fail, throw the callback's error with the removal
// error attached as `suppressed`. Removal failures are real: a file made
// immutable with chattr +i.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { isRoot, chattrWorks } from '../helpers/scratch';
import { withTempdir, withTempdirSync, withTempDir, withTempDirSync, registered, sweep, isEphemdirError, type EphemeralDirectory, type TemporaryDirectory } from '../../src/index';

const env = isolatedEnv('scoped');
after(() => env.cleanup());
const parent = env.work;

const canPin = isRoot && chattrWorks(env.root);
const pinSkip = !canPin && (isRoot ? 'this filesystem does not support chattr +i' : 'chattr +i needs root');

/**
 * An immutable file inside `dir`: removing `dir` fails with
 * EPHEMDIR_INCOMPLETE until unpinned. (A managed removal first moves the
 * directory into a staging folder, so unpinning searches the whole parent.)
 */
function pin(dir: string): () => void {
  const file = path.join(dir, 'pinned');
  fs.writeFileSync(file, 'immutable');
  execFileSync('chattr', ['+i', file]);
  return () => execFileSync('chattr', ['-R', '-i', parent]);
}

async function trackedIds(): Promise<string[]> {
  return (await registered()).map((e) => e.id);
}

/** What the removal left (it stays tracked, mid-deletion) is finished by the next sweep. */
async function finishBySweep(dir: EphemeralDirectory): Promise<void> {
  await sweep();
  assert.ok(!(await trackedIds()).includes(dir.id), 'the sweep finished the removal');
  assert.deepEqual(fs.readdirSync(parent).filter((n) => n.includes(dir.name) || n.startsWith('.ephemdir-staging')), []);
}

function listWarnings(): { warnings: Error[]; stop(): void } {
  const warnings: Error[] = [];
  const on = (w: Error) => warnings.push(w);
  process.on('warning', on);
  return { warnings, stop: () => process.off('warning', on) };
}

test('withTempdir resolves to the callback result and removes the directory (and its entry)', async () => {
  let seen: EphemeralDirectory | undefined;
  const result = await withTempdir(
    async (dir) => {
      seen = dir;
      assert.ok(fs.statSync(dir.path).isDirectory());
      await fs.promises.mkdir(path.join(dir.path, 'a', 'b'), { recursive: true });
      await fs.promises.writeFile(path.join(dir.path, 'a', 'b', 'f'), 'x');
      return { answer: 42 };
    },
    { parent, lifetime: '1h', tags: ['scoped'] },
  );
  assert.deepEqual(result, { answer: 42 });
  assert.equal(fs.existsSync(seen!.path), false);
  assert.ok(!(await trackedIds()).includes(seen!.id));
});

test('withTempdir rejects with the very error the callback threw, after removing the directory', async () => {
  let seen: EphemeralDirectory | undefined;
  const boom = new Error('boom');
  await assert.rejects(
    withTempdir(async (dir) => {
      seen = dir;
      fs.writeFileSync(path.join(dir.path, 'f'), 'x');
      throw boom;
    }, { parent }),
    (err) => err === boom && !Object.hasOwn(boom, 'suppressed'),
  );
  assert.equal(fs.existsSync(seen!.path), false);
  // a synchronous throw from a non-async callback too
  await assert.rejects(
    withTempdir((dir) => {
      seen = dir;
      throw boom;
    }, { parent }),
    (err) => err === boom,
  );
  assert.equal(fs.existsSync(seen!.path), false);
});

test('withTempdir and withTempdirSync leave a directory the callback kept, untracked', async () => {
  const kept = await withTempdir((dir) => {
    dir.keep();
    return dir;
  }, { parent });
  assert.ok(fs.existsSync(kept.path));
  assert.ok(!(await trackedIds()).includes(kept.id));
  const keptSync = withTempdirSync((dir) => {
    dir.keep();
    return dir;
  }, { parent });
  assert.ok(fs.existsSync(keptSync.path));
  assert.ok(!(await trackedIds()).includes(keptSync.id));
  fs.rmSync(kept.path, { recursive: true });
  fs.rmSync(keptSync.path, { recursive: true });
});

test('withTempdirSync returns the result and removes the directory whichever way the callback ends', async () => {
  let seen: EphemeralDirectory | undefined;
  const n = withTempdirSync((dir) => {
    seen = dir;
    fs.writeFileSync(path.join(dir.path, 'f'), 'x');
    return fs.readdirSync(dir.path).length;
  }, { parent });
  assert.equal(n, 2); // f and the .ephemdir marker
  assert.equal(fs.existsSync(seen!.path), false);
  const boom = new TypeError('sync boom');
  assert.throws(
    () =>
      withTempdirSync((dir) => {
        seen = dir;
        throw boom;
      }, { parent }),
    (err) => err === boom,
  );
  assert.equal(fs.existsSync(seen!.path), false);
  assert.ok(!(await trackedIds()).includes(seen!.id));
});

test('the sync forms refuse a callback that returns a promise, after removing the directory, without an unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (r: unknown) => unhandled.push(r);
  process.on('unhandledRejection', onUnhandled);
  try {
    let seen = '';
    assert.throws(
      () =>
        withTempdirSync(async (dir) => {
          seen = dir.path;
          throw new Error('late');
        }, { parent }),
      (err) => isEphemdirError(err, 'EPHEMDIR_INVALID_ARGUMENT') && err.where === 'argument fn' && /returned a promise/.test(err.message),
    );
    assert.equal(fs.existsSync(seen), false);
    assert.throws(
      () =>
        withTempDirSync(async (dir) => {
          seen = dir.path;
        }, { dir: parent }),
      /withTempDirSync: argument fn returned a promise/,
    );
    assert.equal(fs.existsSync(seen), false);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('withTempdir: the callback error wins and carries the removal error as suppressed', { skip: pinSkip }, async () => {
  let seen: EphemeralDirectory | undefined;
  let unpin = () => {};
  const boom = new Error('callback failed');
  await assert.rejects(
    withTempdir((dir) => {
      seen = dir;
      unpin = pin(dir.path);
      throw boom;
    }, { parent }),
    (err) => err === boom,
  );
  const suppressed = (boom as Error & { suppressed?: unknown }).suppressed;
  assert.ok(isEphemdirError(suppressed, 'EPHEMDIR_INCOMPLETE'), `suppressed: ${String(suppressed)}`);
  assert.ok(Object.keys(boom).includes('suppressed'), 'enumerable, so loggers show it');
  // the directory stays tracked so a later sweep retries; after unpinning, a sweep finishes it
  assert.ok((await trackedIds()).includes(seen!.id));
  unpin();
  await finishBySweep(seen!);
});

test('withTempdir: when only the removal fails, it rejects with the removal error', { skip: pinSkip }, async () => {
  let seen: EphemeralDirectory | undefined;
  let unpin = () => {};
  await assert.rejects(
    withTempdir((dir) => {
      seen = dir;
      unpin = pin(dir.path);
      return 'fine';
    }, { parent }),
    (err) => isEphemdirError(err, 'EPHEMDIR_INCOMPLETE'),
  );
  unpin();
  await finishBySweep(seen!);
});

test('withTempdirSync: a thrown primitive or frozen error cannot carry the removal error, so it becomes a warning', { skip: pinSkip }, async () => {
  const w = listWarnings();
  try {
    for (const thrown of ['a string', Object.freeze(new Error('frozen'))]) {
      let seen: EphemeralDirectory | undefined;
      let unpin = () => {};
      assert.throws(
        () =>
          withTempdirSync((dir) => {
            seen = dir;
            unpin = pin(dir.path);
            throw thrown;
          }, { parent }),
        (err) => err === thrown,
      );
      unpin();
      await finishBySweep(seen!);
    }
    await new Promise((r) => setImmediate(r));
    const ours = w.warnings.filter((x) => (x as { code?: string }).code === 'EPHEMDIR_CLEANUP_FAILED');
    assert.equal(ours.length, 2, w.warnings.map(String).join('\n'));
    assert.match(ours[0]!.message, /withTempdirSync: cleanup failed after the callback threw: could not remove/);
  } finally {
    w.stop();
  }
});

test('withTempDir (companion) resolves to the result and closes the directory, also when the callback throws', async () => {
  let seen: TemporaryDirectory | undefined;
  assert.equal(
    await withTempDir(async (dir) => {
      seen = dir;
      await fs.promises.writeFile(path.join(dir.path, 'f'), 'x');
      return 'done';
    }, { dir: parent, prefix: 'scoped-' }),
    'done',
  );
  assert.equal(seen!.closed, true);
  assert.equal(fs.existsSync(seen!.path), false);
  assert.ok(path.basename(seen!.path).startsWith('scoped-'));
  const boom = new Error('companion boom');
  await assert.rejects(
    withTempDir((dir) => {
      seen = dir;
      throw boom;
    }, { dir: parent }),
    (err) => err === boom,
  );
  assert.equal(fs.existsSync(seen!.path), false);
});

test('withTempDirSync (companion) returns the result and closes the directory whichever way', () => {
  let seen: TemporaryDirectory | undefined;
  assert.equal(
    withTempDirSync((dir) => {
      seen = dir;
      fs.mkdirSync(path.join(dir.path, 'sub'));
      return 7;
    }, { dir: parent }),
    7,
  );
  assert.equal(fs.existsSync(seen!.path), false);
  const boom = new Error('companion sync boom');
  assert.throws(
    () =>
      withTempDirSync((dir) => {
        seen = dir;
        throw boom;
      }, { dir: parent }),
    (err) => err === boom,
  );
  assert.equal(fs.existsSync(seen!.path), false);
});

test('withTempDir: the callback error wins and carries the close() error as suppressed', { skip: pinSkip }, async () => {
  let seen: TemporaryDirectory | undefined;
  let unpin = () => {};
  const boom = new Error('companion failed');
  await assert.rejects(
    withTempDir((dir) => {
      seen = dir;
      unpin = pin(dir.path);
      throw boom;
    }, { dir: parent }),
    (err) => err === boom,
  );
  assert.ok(isEphemdirError((boom as Error & { suppressed?: unknown }).suppressed, 'EPHEMDIR_INCOMPLETE'));
  assert.equal(seen!.closed, false, 'left open so close() can be retried');
  unpin();
  await seen!.close();
  assert.equal(fs.existsSync(seen!.path), false);
});

test('bad arguments are refused before anything is created (async forms reject)', async () => {
  const before = fs.readdirSync(parent).sort();
  await assert.rejects(withTempdir('nope' as never, { parent }), /withTempdir: argument fn: invalid value 'nope': expected a function/);
  await assert.rejects(withTempdir(() => 1, { parent, lifetim: '1h' } as never), /unknown option 'lifetim' \(did you mean lifetime\?\)/);
  assert.throws(() => withTempdirSync(() => 1, { parent, lifetime: 'soon' }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  await assert.rejects(withTempDir(() => 1, { dir: 'relative' }), /withTempDir: option dir/);
  assert.throws(() => withTempDirSync(null as never), /withTempDirSync: argument fn/);
  assert.deepEqual(fs.readdirSync(parent).sort(), before);
});
