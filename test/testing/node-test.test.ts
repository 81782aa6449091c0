// ephemdir/testing: testTempdir(t) gives a node:test test its own managed
// directory, removed after the test (also when it fails), held while the
// test runs (a forced sweep leaves it), with a short lifetime so that what a
// killed run left is swept by the next run. The killed and failing runs are
// real child processes running node --test.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { testTempdir, TEST_LIFETIME, TEST_TAG } from '../../src/testing';
import { registered, sweep, parseDuration, type EphemeralDirectory } from '../../src/index';

const env = isolatedEnv('testing');
// testTempdir() makes its directories in os.tmpdir(): here, the scratch work folder.
const originalTmp = process.env.TMPDIR;
process.env.TMPDIR = env.work;
after(() => {
  if (originalTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmp;
  env.cleanup();
});
const testingModule = path.resolve(__dirname, '../../src/testing.js');

async function tracked(id: string) {
  return (await registered()).find((e) => e.id === id);
}

test('a directory per test: tracked with the test defaults while the test runs, gone after it', async (t) => {
  let dir: EphemeralDirectory | undefined;
  await t.test('the inner test', async (inner) => {
    dir = testTempdir(inner);
    assert.equal(path.dirname(dir.path), env.work, 'made in os.tmpdir()');
    fs.writeFileSync(path.join(dir.path, 'out.txt'), 'x');
    const entry = await tracked(dir.id);
    assert.ok(entry, 'tracked');
    assert.equal(entry.expiresAt! - entry.createdAt, parseDuration(TEST_LIFETIME));
    assert.deepEqual(entry.tags, [TEST_TAG]);
    assert.equal(entry.description, 'the inner test');
    // held: a forced sweep (everything due) leaves it while the test runs
    await sweep({ force: true });
    assert.ok(fs.existsSync(path.join(dir.path, 'out.txt')), 'a forced sweep removed a held test directory');
  });
  assert.equal(fs.existsSync(dir!.path), false);
  assert.equal(await tracked(dir!.id), undefined);
});

test('options are tempdir() options; given ones win over the test defaults, undefined ones do not', async (t) => {
  let dir: EphemeralDirectory | undefined;
  const parent = path.join(env.work, 'custom');
  fs.mkdirSync(parent);
  await t.test('custom', async (inner) => {
    dir = testTempdir(inner, { lifetime: '2h', tags: ['mine'], description: 'chosen', parent, prefix: undefined });
    const entry = (await tracked(dir.id))!;
    assert.equal(entry.expiresAt! - entry.createdAt, 7200);
    assert.deepEqual(entry.tags, ['mine']);
    assert.equal(entry.description, 'chosen');
    assert.equal(path.dirname(dir.path), parent);
  });
  assert.equal(fs.existsSync(dir!.path), false);
  await t.test('undefined lifetime', async (inner) => {
    dir = testTempdir(inner, { lifetime: undefined, description: undefined });
    const entry = (await tracked(dir.id))!;
    assert.equal(entry.expiresAt! - entry.createdAt, parseDuration(TEST_LIFETIME));
    assert.equal(entry.description, 'undefined lifetime');
  });
});

test('a long or multi-line test name becomes a one-line description of at most 256 bytes', async (t) => {
  await t.test(`line one\nline two ${'é'.repeat(300)}`, (inner) => {
    const dir = testTempdir(inner);
    return tracked(dir.id).then((entry) => {
      assert.ok(entry!.description!.startsWith('line one line two é'));
      assert.ok(Buffer.byteLength(entry!.description!) <= 256);
    });
  });
});

test('keep() inside the test keeps the directory for good', async (t) => {
  let dir: EphemeralDirectory | undefined;
  await t.test('keeps', (inner) => {
    dir = testTempdir(inner);
    dir.keep();
  });
  assert.ok(fs.existsSync(dir!.path));
  assert.equal(await tracked(dir!.id), undefined);
  fs.rmSync(dir!.path, { recursive: true });
});

test('bad arguments are refused before anything is made', () => {
  const before = fs.readdirSync(env.work).sort();
  assert.throws(() => testTempdir({} as never), /testTempdir: argument t: invalid value .*expected a test context with an after\(\) method/);
  assert.throws(() => testTempdir({ after() {} }, { lifetime: 'soon' }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  assert.throws(() => testTempdir({ after() {} }, { lifetme: '1h' } as never), /did you mean lifetime/);
  assert.deepEqual(fs.readdirSync(env.work).sort(), before);
});

test('a context whose after() throws gets nothing left behind: the error propagates, the directory is removed', () => {
  const before = fs.readdirSync(env.work).sort();
  const refusing = {
    after() {
      throw new Error('test has already finished');
    },
  };
  assert.throws(() => testTempdir(refusing), /test has already finished/);
  assert.deepEqual(fs.readdirSync(env.work).sort(), before);
});

/** This process's environment, minus what makes a node:test child report to its parent runner. */
function childEnv(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.NODE_TEST_CONTEXT;
  return e;
}

/** Writes a node:test file into the scratch folder that uses the compiled ephemdir/testing. */
function specFile(name: string, body: string): string {
  const file = path.join(env.root, name);
  fs.writeFileSync(
    file,
    `const { test } = require('node:test');\nconst fs = require('node:fs');\nconst { testTempdir } = require(${JSON.stringify(testingModule)});\n${body}\n`,
  );
  return file;
}

test('a failing test still has its directory removed', () => {
  const record = path.join(env.root, 'failing.path');
  const file = specFile(
    'failing.spec.js',
    `test('fails', (t) => { const d = testTempdir(t); fs.writeFileSync(${JSON.stringify(record)}, d.path); throw new Error('expected failure'); });`,
  );
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', env: childEnv(), timeout: 60_000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /expected failure/);
  const dirPath = fs.readFileSync(record, 'utf8');
  assert.ok(dirPath.startsWith(env.work));
  assert.equal(fs.existsSync(dirPath), false);
});

test("a killed run's directory is swept by the next run once its lifetime is over", async (t) => {
  const record = path.join(env.root, 'killed.path');
  const file = specFile(
    'killed.spec.js',
    `test('is killed', async (t) => { const d = testTempdir(t, { lifetime: 1 }); fs.writeFileSync(${JSON.stringify(record)}, d.path); await new Promise(() => setInterval(() => {}, 1000)); });`,
  );
  const child = spawn(process.execPath, [file], { stdio: 'ignore', env: childEnv() });
  try {
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(record) || fs.readFileSync(record, 'utf8') === '') {
      assert.ok(Date.now() < deadline, 'the child never made its directory');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  const leftover = fs.readFileSync(record, 'utf8');
  assert.ok(fs.existsSync(leftover), 'the after hook never ran, so the directory is still there');
  await new Promise((r) => setTimeout(r, 1_500)); // past its 1 s lifetime
  // The next run: its first testTempdir() sweeps what is due before creating.
  await t.test('the next run', (inner) => {
    testTempdir(inner);
  });
  assert.equal(fs.existsSync(leftover), false, 'the next run swept the killed run’s directory');
});
