// list() over a registry old enough for its listing cache to be in use:
// every change made through the API afterwards shows in the next listing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import * as api from '../../src/api/index';
import { SETTLE_MS } from '../../src/store/listing-cache';

const env = isolatedEnv('api-listing');
after(() => env.cleanup());

function cacheFiles(): string[] {
  try {
    return fs.readdirSync(path.join(env.data, 'registry.d', 'listing')).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

test('list() with the listing cache in use sees keep (untracked), extend, remove, a new directory and one deleted behind its back', async () => {
  const dirs = [];
  for (let i = 0; i < 4; i++) dirs.push(await api.tempdir({ parent: env.work, lifetime: '1h' }));
  const [kept, extended, removed, vanished] = dirs as [api.EphemeralDirectory, api.EphemeralDirectory, api.EphemeralDirectory, api.EphemeralDirectory];
  // Let every entry file settle, as in a registry used over days; then one listing writes the cache.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS + 200);
  const first = await api.list();
  assert.equal(first.length, 4);
  assert.ok(cacheFiles().length > 0, 'the listing wrote its cache');
  assert.deepEqual(await api.list(), first, 'a listing from the cache is the same listing');

  await api.keep(kept.name);
  const before = first.find((t) => t.entry.id === extended.id)!.entry.expiresAt!;
  await api.extend(extended.name, '+1h', { relative: true });
  await removed.remove();
  const added = await api.tempdir({ parent: env.work, lifetime: '1h' });
  fs.rmSync(vanished.path, { recursive: true });

  const now = new Map((await api.list()).map((t) => [t.entry.id, t]));
  assert.equal(now.has(kept.id), false, 'kept: no longer tracked');
  assert.equal(now.get(extended.id)!.entry.expiresAt, before + 3600);
  assert.equal(now.has(removed.id), false);
  assert.ok(now.has(added.id));
  assert.equal(now.get(vanished.id)!.status, 'missing');
  for (const d of [extended, added]) await api.remove(d.name);
  fs.rmSync(kept.path, { recursive: true });
  await api.prune();
  assert.deepEqual(await api.list(), []);
});
