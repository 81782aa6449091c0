// diagnose(): doctor's checks as data, from the package's own entry point.
// It never throws, changes nothing, and a failed check says why with a hint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnose, tempdir } from '../../src/index';
import { DIAGNOSTIC_NAMES } from '../../src/api/diagnostics';
import { isolatedEnv } from '../helpers/api-env';
import { isLinux } from '../helpers/scratch';

test('diagnose: every check, in order, as plain data; nothing is created', async () => {
  const env = isolatedEnv('diag');
  try {
    const checks = await diagnose();
    const expected = DIAGNOSTIC_NAMES.filter((n) => isLinux || n !== 'boot-id');
    assert.deepEqual(checks.map((c) => c.name), expected);
    for (const c of checks) {
      assert.equal(c.ok, true, `${c.name}: ${c.message}`);
      assert.equal(typeof c.message, 'string');
      assert.equal(c.hint, null);
    }
    assert.equal(checks.find((c) => c.name === 'data-dir-source')!.message, 'EPHEMDIR_DATA_DIR');
    assert.match(checks.find((c) => c.name === 'data-dir')!.message, /not created yet/);
    assert.match(checks.find((c) => c.name === 'addon')!.message, /^loaded /);
    assert.deepEqual(JSON.parse(JSON.stringify(checks)), checks, 'plain data');
    assert.equal(fs.existsSync(env.data), false, 'nothing created');
    assert.equal(fs.existsSync(env.config), false, 'nothing created');
  } finally {
    env.cleanup();
  }
});

test('diagnose: an unsafe data folder and a bad config file fail their checks with hints, without throwing', async () => {
  const env = isolatedEnv('diag');
  try {
    const dir = await tempdir({ parent: env.work });
    await dir.remove();
    fs.chmodSync(env.data, 0o777);
    fs.mkdirSync(env.config, { mode: 0o700 });
    fs.writeFileSync(path.join(env.config, 'config.toml'), 'no_such_key = 1\n');
    const checks = await diagnose();
    const byName = new Map(checks.map((c) => [c.name, c]));
    const data = byName.get('data-dir')!;
    assert.equal(data.ok, false);
    assert.match(data.message, /writable/);
    assert.match(data.hint!, /the data folder must be yours/);
    const config = byName.get('config-file')!;
    assert.equal(config.ok, false);
    assert.match(config.message, /unknown key "no_such_key"/);
    assert.equal(byName.get('registry')!.ok, false);
    assert.equal(byName.get('config-dir')!.ok, true);
    assert.equal(fs.statSync(env.data).mode & 0o777, 0o777, 'the mode is left alone');
  } finally {
    env.cleanup();
  }
});

test('diagnose: a batch journal that cannot be used fails the registry check (it is never applied), and stays as it was', async () => {
  const env = isolatedEnv('diag-journal');
  try {
    await tempdir({ parent: env.work });
    const batches = path.join(env.data, 'registry.d', 'batches');
    fs.mkdirSync(batches, { recursive: true, mode: 0o700 });
    const file = path.join(batches, `${'ab'.repeat(16)}.json`);
    fs.writeFileSync(file, '{"schema":1,"items":[{"before":"{}","after":"{}"}]}', { mode: 0o600 });
    const registry = (await diagnose()).find((c) => c.name === 'registry')!;
    assert.equal(registry.ok, false);
    assert.match(registry.message, /; 1 tracked; 1 batch journal cannot be used: .*not a valid batch journal/);
    assert.match(registry.hint!, /never applied/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{"schema":1,"items":[{"before":"{}","after":"{}"}]}', 'left as it was');
  } finally {
    env.cleanup();
  }
});
