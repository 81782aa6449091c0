// Stopping the engine: an AbortSignal (before or while it runs) and a
// progress callback that throws, for removeTree and scanTree, sync and
// async, on real trees of thousands of files. After a stop, what is left on
// disk plus what the error says was removed is the whole tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { removeTree, removeTreeSync, removeTreeAt, type RemoveTreeIncomplete } from '../../src/fs/remove-tree';
import { scanTree, scanTreeSync } from '../../src/fs/scan-tree';
import { AbortError } from '../../src/fs/abort';
import { openDirectory } from '../../src/fs/walk';
import { scratch as diskScratch, type Scratch } from '../helpers/scratch';

/**
 * These trees of thousands of files are made on tmpfs when there is one: a
 * fraction of the time a loaded disk takes, and what is tested (where a
 * removal stops) does not depend on the filesystem.
 */
const scratch = (label: string): Scratch => diskScratch(label, { inMemory: true });

type Stopped = Error & RemoveTreeIncomplete & { code: string; cause?: unknown; path?: string };

/** `dirs` directories of `per` empty files under root (made by touch, one call per directory); returns the entry count (root included). */
function build(root: string, dirs: number, per: number): number {
  const names = Array.from({ length: per }, (_, i) => `f${i}`);
  for (let d = 0; d < dirs; d++) {
    const dir = path.join(root, `d${d}`);
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('touch', names, { cwd: dir });
  }
  return dirs * per + dirs + 1;
}

// Progress is reported every ~100 ms or 10,000 entries (checked every 128):
// 11,000 files get at least one report before the end.
const REPORTED = { dirs: 22, per: 500 };

/** Entries still on disk, root included (0 once the root is gone). */
function left(root: string): number {
  if (!fs.existsSync(root)) return 0;
  return 1 + (fs.readdirSync(root, { recursive: true }) as string[]).length;
}

async function rejection(p: Promise<unknown>): Promise<Stopped> {
  return p.then(
    () => assert.fail('expected the call to be stopped'),
    (e: unknown) => e as Stopped,
  );
}

/**
 * Runs `attempt` on trees of growing size until one shows the stop landing
 * mid-way (something removed or counted, not everything): on a loaded
 * machine the worker can finish a small tree before the main thread gets to
 * the abort. Every attempt checks its own counts; without a working stop no
 * attempt is ever mid-way, so the test fails.
 */
async function untilMidway(attempt: (scale: number) => Promise<{ done: number; total: number }>): Promise<void> {
  const seen: string[] = [];
  for (const scale of [1, 2, 4]) {
    const { done, total } = await attempt(scale);
    seen.push(`${done} of ${total}`);
    if (done < total) return;
  }
  assert.fail(`never stopped before the end: ${seen.join(', ')}`);
}

function assertAbortError(err: Stopped, reason: unknown): void {
  assert.ok(err instanceof AbortError, `expected an AbortError, got ${String(err)}`);
  assert.equal(err.name, 'AbortError');
  assert.equal(err.code, 'ABORT_ERR');
  assert.equal(err.cause, reason);
  assert.equal(err.complete, false);
}

test('a pre-aborted signal touches nothing: removeTree, removeTreeSync, removeTreeAt, scanTree, scanTreeSync', async () => {
  using s = scratch('abort');
  const root = path.join(s.dir, 'root');
  const total = build(root, 3, 50);
  const file = path.join(s.dir, 'file');
  fs.writeFileSync(file, 'x');
  const reason = new Error('called off');
  const signal = AbortSignal.abort(reason);
  for (const target of [root, file]) {
    assertAbortError(await rejection(removeTree(target, { signal })), reason);
    assert.throws(() => removeTreeSync(target, { signal }), (e: Stopped) => (assertAbortError(e, reason), e.entriesRemoved === 0));
  }
  const parent = openDirectory(s.dir);
  try {
    const err = await rejection(removeTreeAt(parent, 'root', { signal }));
    assertAbortError(err, reason);
    assert.equal(err.entriesRemoved, 0);
  } finally {
    parent.close();
  }
  assert.equal(left(root), total, 'every entry is still there');
  assert.equal(fs.readFileSync(file, 'utf8'), 'x');
  const scan = await rejection(scanTree(root, { signal }));
  assertAbortError(scan, reason);
  assert.equal((scan as unknown as { entries: number }).entries, 0);
  assert.throws(() => scanTreeSync(root, { signal }), AbortError);
});

test('signal must be an AbortSignal: anything else is refused before anything is touched', async () => {
  using s = scratch('abort');
  const root = path.join(s.dir, 'root');
  const total = build(root, 1, 5);
  for (const bad of [null, true, 'abort', {}, { aborted: true }, new AbortController()]) {
    await assert.rejects(removeTree(root, { signal: bad as unknown as AbortSignal }), { code: 'EPHEMDIR_INVALID_ARGUMENT', message: /signal/ });
    assert.throws(() => removeTreeSync(root, { signal: bad as unknown as AbortSignal }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
    await assert.rejects(scanTree(root, { signal: bad as unknown as AbortSignal }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  }
  assert.equal(left(root), total);
});

for (const parallel of [1, 4]) {
  test(`an abort while removeTree runs stops it; the counts match what is gone (parallel ${parallel})`, async () => {
    using s = scratch('abort');
    await untilMidway(async (scale) => {
      const root = path.join(s.dir, `root${scale}`);
      const total = build(root, 20, 200 * scale);
      const ac = new AbortController();
      const reason = new Error('shutting down');
      const p = removeTree(root, { signal: ac.signal, parallel });
      ac.abort(reason); // the worker is already queued: it stops at its next entry
      const err = await rejection(p);
      assertAbortError(err, reason);
      assert.equal(err.path, root);
      assert.equal(left(root), total - err.entriesRemoved, 'what is left plus what was removed is the whole tree');
      // The rest can still be removed.
      const r = await removeTree(root);
      assert.equal(r.entriesRemoved, total - err.entriesRemoved);
      return { done: err.entriesRemoved, total };
    });
  });
}

test('an abort from a timer, armed at the first progress report, stops removeTree mid-way', async () => {
  using s = scratch('abort');
  await untilMidway(async (scale) => {
    const root = path.join(s.dir, `root${scale}`);
    // Progress comes every ~100 ms or 10,000 entries: big enough to be reported mid-way.
    const total = build(root, REPORTED.dirs * scale, REPORTED.per);
    const ac = new AbortController();
    let reports = 0;
    const outcome = await removeTree(root, {
      signal: ac.signal,
      onProgress: () => {
        if (reports++ === 0) setTimeout(() => ac.abort(), 0);
      },
    }).catch((e: unknown) => e as Stopped);
    assert.ok(reports >= 1);
    if (!(outcome instanceof Error)) {
      assert.equal(outcome.entriesRemoved, total); // finished before the timer fired
      return { done: total, total };
    }
    const err = outcome;
    assertAbortError(err, ac.signal.reason);
    assert.ok(err.cause instanceof DOMException && err.cause.name === 'AbortError', 'the default reason is passed on');
    assert.ok(err.entriesRemoved > 0, 'stopped after the first report');
    assert.equal(left(root), total - err.entriesRemoved);
    return { done: err.entriesRemoved, total };
  });
});

for (const parallel of [1, 4]) {
  test(`a throwing onProgress stops removeTree (async, parallel ${parallel}) and its error carries the counts`, async () => {
    using s = scratch('abort');
    await untilMidway(async (scale) => {
      const root = path.join(s.dir, `root${scale}`);
      const total = build(root, REPORTED.dirs * scale, REPORTED.per);
      const boom = new Error(`progress handler failed ${scale}`);
      let calls = 0;
      const err = await rejection(
        removeTree(root, {
          parallel,
          onProgress: () => {
            calls++;
            throw boom;
          },
        }),
      );
      assert.equal(err, boom, 'the callback’s own error');
      assert.equal(calls, 1, 'not called again once it threw');
      assert.ok(err.entriesRemoved > 0, 'stopped after the first report');
      assert.equal(err.complete, false);
      assert.equal(left(root), total - err.entriesRemoved);
      return { done: err.entriesRemoved, total };
    });
  });
}

test('a throwing onProgress stops removeTreeSync and its error carries the counts', () => {
  using s = scratch('abort');
  const root = path.join(s.dir, 'root');
  const total = build(root, REPORTED.dirs, REPORTED.per);
  const boom = new Error('progress handler failed');
  let err: Stopped | undefined;
  try {
    removeTreeSync(root, {
      onProgress: () => {
        throw boom;
      },
    });
  } catch (e) {
    err = e as Stopped;
  }
  assert.equal(err, boom);
  assert.ok(err.entriesRemoved > 0 && err.entriesRemoved < total, `stopped mid-way (${err.entriesRemoved} of ${total})`);
  assert.equal(left(root), total - err.entriesRemoved);
});

test('an abort while scanTree runs stops it with what was counted so far', async () => {
  using s = scratch('abort');
  await untilMidway(async (scale) => {
    const root = path.join(s.dir, `root${scale}`);
    const total = build(root, 20, 200 * scale);
    const full = await scanTree(root);
    assert.equal(full.entries, total - 1);
    const ac = new AbortController();
    const p = scanTree(root, { signal: ac.signal });
    ac.abort('enough');
    // A scan that finished before the flag was seen resolves: try a bigger tree.
    const settled = await p.then((r) => ({ finished: r }), (e: unknown) => ({ stopped: e }));
    if ('finished' in settled) return { done: settled.finished.entries, total: full.entries };
    const err = settled.stopped as AbortError & { entries: number; complete: boolean };
    assert.ok(err instanceof AbortError);
    assert.equal(err.cause, 'enough');
    assert.equal(err.complete, false);
    return { done: err.entries, total: full.entries };
  });
});

test('the sync forms check the signal only before starting: an abort while removeTreeSync runs does not stop it', () => {
  const s = scratch('abort');
  try {
    const root = path.join(s.dir, 'root');
    const total = build(root, REPORTED.dirs, REPORTED.per);
    const ac = new AbortController();
    let reports = 0;
    const r = removeTreeSync(root, {
      signal: ac.signal,
      onProgress: () => {
        reports++;
        ac.abort('too late'); // fires 'abort' at once, on this thread, mid-removal
      },
    });
    assert.ok(reports > 0, 'the abort came while it ran');
    assert.ok(ac.signal.aborted);
    assert.equal(r.complete, true);
    assert.equal(r.entriesRemoved, total);
    assert.equal(left(root), 0);
  } finally {
    s.cleanup();
  }
});

test('an async engine call leaves no abort listener behind, whether it resolves, is stopped or fails', async () => {
  const s = scratch('abort');
  try {
    const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;
    const root = path.join(s.dir, 'root');
    build(root, 2, 10);
    const ac = new AbortController();
    assert.equal((await scanTree(root, { signal: ac.signal })).complete, true);
    assert.equal(listeners(ac.signal), 0, 'after scanTree resolved');
    assert.equal((await removeTree(root, { signal: ac.signal })).complete, true);
    assert.equal(listeners(ac.signal), 0, 'after removeTree resolved');

    const refused = new AbortController();
    await assert.rejects(removeTree('/', { signal: refused.signal }), { code: 'EPHEMDIR_PROTECTED_PATH' });
    assert.equal(listeners(refused.signal), 0, 'after removeTree was refused');

    build(root, REPORTED.dirs, REPORTED.per);
    const stopped = new AbortController();
    const boom = new Error('progress handler failed');
    const p = removeTree(root, {
      signal: stopped.signal,
      onProgress: () => {
        throw boom;
      },
    });
    assert.equal(listeners(stopped.signal), 1, 'watched while it runs');
    await assert.rejects(p, (e) => e === boom);
    assert.equal(listeners(stopped.signal), 0, 'after removeTree was stopped');
  } finally {
    s.cleanup();
  }
});
