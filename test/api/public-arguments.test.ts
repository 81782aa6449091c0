// Every option and positional argument of every public function, given a
// wrong type or value, is refused with EPHEMDIR_INVALID_ARGUMENT naming the
// option and the value, before anything is touched: the scratch tree (work
// files, the tracked directory, the registry, the removeTree target) is the
// same afterwards. Async functions reject, sync ones throw. The table is
// test/helpers/public-calls.ts; public-coverage.test.ts checks it is complete.
//
// The calls below would delete things if a check regressed (removeTree('')
// once removed the current directory), so the process first moves into a
// scratch directory: a regression fails the test without harming the checkout.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import * as pkg from '../../src/index';
import { describeValue } from '../../src/core/humanize';
import type { Signature } from '../../src/core/options';
import { API_SIGNATURES } from '../../src/api/signatures';
import { FS_SIGNATURES } from '../../src/fs/signatures';
import { COMPANION_SIGNATURES } from '../../src/companions/signatures';
import { BAD_OPTION_OBJECTS, publicCalls, type Case } from '../helpers/public-calls';

const env = isolatedEnv('args');
const originalCwd = process.cwd();
const sacrificialCwd = path.join(env.root, 'cwd');
fs.mkdirSync(sacrificialCwd);
process.chdir(sacrificialCwd);
after(() => {
  process.chdir(originalCwd);
  env.cleanup();
});

// ---- Fixtures (made once; nothing may change them) ----
// A 7-day directory: a forced sweep would delete it, a normal one not.
const tracked = pkg.tempdirSync({ parent: env.work, lifetime: '7d', tags: ['args'] });
const tree = path.join(env.work, 'tree');
fs.mkdirSync(path.join(tree, 'a', 'b'), { recursive: true });
fs.writeFileSync(path.join(tree, 'a', 'b', 'file'), 'data');
const storeDir = path.join(env.work, 'store');
const store = new pkg.FileStore(storeDir);
store.prepare();
fs.writeFileSync(path.join(storeDir, 'tmp', 'f1'), 'one');
const workHandle = pkg.openDirectory(env.work);
const closedHandle = pkg.openDirectory(env.work);
closedHandle.close();
const tempFiles = new pkg.TempFiles({ root: env.root });
after(() => {
  workHandle.close();
  tempFiles.cleanup();
});

const CASES = publicCalls({ env, tracked, tree, storeDir, store, workHandle, closedHandle, tempFiles });
const ALL_SIGNATURES: Signature[] = [...API_SIGNATURES, ...FS_SIGNATURES, ...COMPANION_SIGNATURES];

function signatureOf(name: string): Signature {
  const sig = ALL_SIGNATURES.find((s) => s.name === name);
  if (!sig) throw new Error(`no signature named ${name}`);
  return sig;
}

// ---- Nothing touched ----
/** Every entry under the scratch root with what a change would alter (atime aside). */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      out.set(p, `${st.ino} ${st.mode.toString(8)} ${st.size} ${st.nlink} ${st.mtimeMs} ${st.ctimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(env.root);
  return out;
}

function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

function checkError(err: unknown, where: string, value: unknown): void {
  const e = err as { code?: unknown; message?: unknown };
  assert.equal(e?.code, 'EPHEMDIR_INVALID_ARGUMENT', `expected EPHEMDIR_INVALID_ARGUMENT, got ${String(err)}`);
  const message = String(e.message);
  assert.ok(message.includes(where), `message ${JSON.stringify(message)} should name ${where}`);
  // Arrays and objects are named by kind; tags are checked one by one (the message shows the bad element).
  if (isPrimitive(value)) {
    assert.ok(message.includes(describeValue(value)), `message ${JSON.stringify(message)} should show ${describeValue(value)}`);
  }
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f\u202e]/.test(message), `message ${JSON.stringify(message)} carries raw control characters`);
}

/** Calls and checks the refusal: a sync function throws, an async one returns a rejected promise. */
async function expectRefusal(c: Case, args: unknown[], options: unknown, where: string, value: unknown): Promise<void> {
  const before = snapshot();
  let result: unknown;
  let thrown: unknown = null;
  let threw = false;
  try {
    result = c.call(args, options);
  } catch (err) {
    threw = true;
    thrown = err;
  }
  if (c.async) {
    assert.equal(threw, false, `${c.name} threw synchronously: ${String(thrown)}`);
    assert.ok(result instanceof Promise, `${c.name} did not return a promise`);
    await assert.rejects(result, (err) => {
      checkError(err, where, value);
      return true;
    });
  } else {
    assert.equal(threw, true, `${c.name} accepted ${describeValue(value)} for ${where}`);
    checkError(thrown, where, value);
  }
  assert.deepEqual(snapshot(), before, `${c.name} changed the scratch tree`);
}

function optionsFor(c: Case, key: string, value: unknown): Record<string, unknown> {
  return { ...(c.base?.() ?? {}), [key]: value };
}

function typo(key: string): string {
  return key.toLowerCase() === key ? `${key}s` : key.toLowerCase();
}

for (const c of CASES) {
  describe(c.name, () => {
    for (const [arg, values] of Object.entries(c.badArgs)) {
      it(`refuses bad argument ${arg}`, async () => {
        const index = signatureOf(c.name).args.findIndex(([n]) => n === arg);
        for (const value of values) {
          const args = c.args();
          args[index] = value;
          await expectRefusal(c, args, c.base?.(), `argument ${arg}`, value);
        }
      });
    }
    if (c.badOptions === null) return;
    for (const [key, values] of Object.entries(c.badOptions)) {
      it(`refuses bad option ${key}`, async () => {
        for (const value of values) await expectRefusal(c, c.args(), optionsFor(c, key, value), `option ${key}`, value);
      });
      it(`refuses the misspelt option ${typo(key)}`, async () => {
        await expectRefusal(c, c.args(), optionsFor(c, typo(key), true), 'unknown option', typo(key));
      });
    }
    it('refuses an options value that is not an object', async () => {
      for (const value of BAD_OPTION_OBJECTS) await expectRefusal(c, c.args(), value, 'invalid options', value);
    });
  });
}

describe('the headline cases of issues 10 and 13', () => {
  it("sweep({ force: 'false' }) deletes nothing (it used to force-delete a 7-day directory)", async () => {
    await assert.rejects(pkg.sweep({ force: 'false' as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
    assert.ok(fs.existsSync(tracked.path));
    const report = await pkg.sweep({ tags: ['args'] });
    assert.equal(report.removed.length, 0, 'a 7-day directory is not due');
    assert.ok(fs.existsSync(tracked.path));
  });

  it("list({ tags: 'x' }) is an EPHEMDIR_INVALID_ARGUMENT, not a TypeError", async () => {
    await assert.rejects(pkg.list({ tags: 'x' as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  });

  for (const keepRoot of ['true', 1, null, Infinity]) {
    it(`removeTree(p, { keepRoot: ${describeValue(keepRoot)} }) leaves the root (and everything else)`, async () => {
      await assert.rejects(pkg.removeTree(tree, { keepRoot: keepRoot as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
      assert.throws(() => pkg.removeTreeSync(tree, { keepRoot: keepRoot as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
      assert.ok(fs.existsSync(path.join(tree, 'a', 'b', 'file')));
    });
  }

  it('a typo such as { keeproot: true } is refused, not taken as the default', () => {
    assert.throws(() => pkg.removeTreeSync(tree, { keeproot: true } as never), /unknown option 'keeproot' \(did you mean keepRoot\?\)/);
    assert.ok(fs.existsSync(path.join(tree, 'a', 'b', 'file')));
  });

  it('undefined options and undefined option values mean the defaults', async () => {
    assert.ok(Array.isArray(await pkg.list(undefined)));
    assert.ok(Array.isArray(await pkg.list({ tags: undefined })));
    assert.equal(pkg.scanTreeSync(tree, { maxDepth: undefined }).complete, true);
  });
});
