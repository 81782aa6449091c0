// core/steps.ts: one body, two runners. What the library relies on: each
// runner performs only its own form of every Step, hands the Step's result
// (or the very error object it threw) back to the body where it yielded, and
// runs the body's finally blocks and `using` disposals on every path; the
// async runner behaves like an async function (a throw before the first Step
// rejects, the body runs up to its first Step before the call returns).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { perform, runAsync, runSync, type Step, type Steps } from '../../src/core/steps';

/** A Step whose two forms record which one ran and give `value` (or throw `error`). */
function recorded<T>(log: string[], label: string, value: T, error?: unknown): Step<T> {
  return {
    sync: () => {
      log.push(`sync ${label}`);
      if (error !== undefined) throw error;
      return value;
    },
    async: async () => {
      log.push(`async ${label}`);
      await new Promise((r) => setImmediate(r));
      if (error !== undefined) throw error;
      return value;
    },
  };
}

describe('runSync and runAsync', () => {
  it('perform each Step in their own flavour only, in order, and return what the body returns', async () => {
    function* body(log: string[]): Steps<string> {
      const a = yield* perform(recorded(log, 'a', 2));
      const b = yield* perform(recorded(log, 'b', 'x'));
      return b.repeat(a);
    }
    const syncLog: string[] = [];
    assert.equal(runSync(body(syncLog)), 'xx');
    assert.deepEqual(syncLog, ['sync a', 'sync b']);
    const asyncLog: string[] = [];
    assert.equal(await runAsync(body(asyncLog)), 'xx');
    assert.deepEqual(asyncLog, ['async a', 'async b']);
  });

  it("throw a Step's error into the body at its yield: the same object, caught there, finally and using run", async () => {
    const boom = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', errno: -13, syscall: 'unlinkat', path: '/x' });
    function* body(log: string[], seen: unknown[]): Steps<string> {
      using _res = { [Symbol.dispose]: () => log.push('disposed') };
      try {
        yield* perform(recorded(log, 'fails', 0, boom));
        log.push('not reached');
      } catch (err) {
        seen.push(err);
      } finally {
        log.push('finally');
      }
      return 'went on';
    }
    for (const run of ['sync', 'async'] as const) {
      const log: string[] = [];
      const seen: unknown[] = [];
      const out = run === 'sync' ? runSync(body(log, seen)) : await runAsync(body(log, seen));
      assert.equal(out, 'went on');
      assert.equal(seen.length, 1);
      assert.equal(seen[0], boom, `${run}: the very error object`);
      assert.deepEqual(log, [`${run} fails`, 'finally', 'disposed']);
    }
  });

  it("let an uncaught Step error out unchanged (thrown by runSync, rejected by runAsync), after the body's finally", async () => {
    const boom = Object.assign(new Error('ENOENT'), { code: 'ENOENT', errno: -2, syscall: 'openat', path: '/gone' });
    function* body(log: string[]): Steps<number> {
      try {
        return yield* perform(recorded(log, 'fails', 1, boom));
      } finally {
        log.push('finally');
      }
    }
    const syncLog: string[] = [];
    assert.throws(() => runSync(body(syncLog)), (err) => err === boom);
    assert.deepEqual(syncLog, ['sync fails', 'finally']);
    const asyncLog: string[] = [];
    await assert.rejects(runAsync(body(asyncLog)), (err) => err === boom);
    assert.deepEqual(asyncLog, ['async fails', 'finally']);
  });

  it('runAsync is like an async function: a throw before the first Step rejects, and the body runs up to its first Step at once', async () => {
    const early = new Error('bad argument');
    function* refuses(): Steps<number> {
      throw early;
    }
    let promise: Promise<number> | undefined;
    assert.doesNotThrow(() => {
      promise = runAsync(refuses());
    });
    await assert.rejects(promise!, (err) => err === early);

    const log: string[] = [];
    function* body(): Steps<void> {
      log.push('before');
      yield* perform(recorded(log, 'step', undefined));
      log.push('after');
    }
    const running = runAsync(body());
    assert.deepEqual(log, ['before', 'async step'], 'ran synchronously up to the Step');
    await running;
    assert.deepEqual(log, ['before', 'async step', 'after']);
  });

  it('compose: a body that yield*s another runs it in the same flavour', async () => {
    function* inner(log: string[], n: number): Steps<number> {
      return (yield* perform(recorded(log, `inner ${n}`, n))) * 10;
    }
    function* outer(log: string[]): Steps<number> {
      let sum = 0;
      for (const n of [1, 2]) sum += yield* inner(log, n);
      return sum;
    }
    const syncLog: string[] = [];
    assert.equal(runSync(outer(syncLog)), 30);
    assert.deepEqual(syncLog, ['sync inner 1', 'sync inner 2']);
    const asyncLog: string[] = [];
    assert.equal(await runAsync(outer(asyncLog)), 30);
    assert.deepEqual(asyncLog, ['async inner 1', 'async inner 2']);
  });

  it('give the same result and the same trace in both flavours, for any mix of Steps that succeed and fail', async () => {
    // Each Step either gives its number or throws; the body adds what it gets
    // and counts what it catches, stopping on a Step marked fatal.
    const plan = fc.array(fc.record({ value: fc.integer({ min: -1000, max: 1000 }), fails: fc.boolean(), fatal: fc.boolean() }), { maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(plan, async (steps) => {
        function* body(log: string[]): Steps<{ sum: number; caught: number }> {
          let sum = 0;
          let caught = 0;
          for (const [i, s] of steps.entries()) {
            try {
              sum += yield* perform(recorded(log, String(i), s.value, s.fails ? new Error(`step ${i}`) : undefined));
            } catch (err) {
              if (s.fatal) throw err;
              caught++;
            } finally {
              log.push(`finally ${i}`);
            }
          }
          return { sum, caught };
        }
        const outcome = async (run: (b: Steps<{ sum: number; caught: number }>) => unknown) => {
          const log: string[] = [];
          try {
            return { value: await run(body(log)), log: log.map((l) => l.replace(/^(sync|async) /, '')) };
          } catch (err) {
            return { error: (err as Error).message, log: log.map((l) => l.replace(/^(sync|async) /, '')) };
          }
        };
        assert.deepEqual(await outcome(runAsync), await outcome(runSync));
      }),
      { numRuns: 100 },
    );
  });
});
