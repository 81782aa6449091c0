// Entry files that cannot be used are set aside, and the library says so:
// list() and sweep() results carry them, name lookups warn.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { isolatedEnv } from '../helpers/api-env';
import * as api from '../../src/api/index';

const env = isolatedEnv('quarantine');
after(() => env.cleanup());

function entryFile(id: string): string {
  return path.join(env.data, 'registry.d', 'entries', id[0]!, `${id}.json`);
}

test('list() and sweep() report corrupt and group-writable entry files; resolve() warns', async () => {
  const good = await api.tempdir({ parent: env.work, lifetime: '1h', prefix: 'qz-' });
  const bad = await api.tempdir({ parent: env.work, lifetime: '1h', prefix: 'qz-' });
  const loose = await api.tempdir({ parent: env.work, lifetime: '1h' });
  fs.writeFileSync(entryFile(bad.id), 'garbage');
  fs.chmodSync(entryFile(loose.id), 0o620);

  const listed = await api.list();
  assert.deepEqual(listed.map((t) => t.entry.id), [good.id]);
  assert.deepEqual(listed.quarantined.map((q) => q.id).sort(), [bad.id, loose.id].sort());
  assert.ok(listed.quarantined.every((q) => q.file.endsWith(`${q.id}.json`) && q.reason.length > 0));
  assert.equal(Object.keys(listed).includes('quarantined'), false, 'the array items stay the directories');

  const swept = await api.sweep({ dryRun: true });
  assert.deepEqual(swept.quarantined!.map((q) => q.id).sort(), [bad.id, loose.id].sort());

  const warned = once(process, 'warning');
  assert.equal(await api.resolve('qz-'), good.path);
  const [w] = (await warned) as [Error & { code?: string }];
  assert.equal(w.code, 'EPHEMDIR_QUARANTINED');
  assert.match(w.message, new RegExp(bad.id));
  await assert.rejects(api.resolve(bad.name), (err: Error & { code?: string; quarantined?: unknown[] }) =>
    err.code === 'EPHEMDIR_NOT_FOUND' && /set aside/.test(err.message) && Array.isArray(err.quarantined));
});
