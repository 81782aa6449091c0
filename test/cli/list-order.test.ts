// `list` and `tree` show the tracked directories oldest first, ties by path:
// the order list() returns them in, which the CLI does not sort again. Entries
// are written to the registry in a scrambled order, some with one creation time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { CliSandbox } from '../helpers/cli-sandbox';
import { Registry } from '../../src/store/registry';
import { buildEntry } from '../helpers/entry';
import { list } from '../../src/api/query';

const sb = new CliSandbox();
after(() => sb.cleanup());

test('list, list --json, tree --json and list() agree: creation time, then path', async () => {
  const reg = Registry.open({ create: true, env: sb.env })!;
  const times = [500, 100, 300, 100, 300, 100, 200];
  const names = ['m', 'z', 'c', 'a', 'b', 'q', 'x'];
  try {
    for (let i = 0; i < times.length; i++) {
      const name = `${names[i]}-${i}`;
      reg.create(
        buildEntry({ id: crypto.randomBytes(16).toString('hex'), name, parent: sb.work, path: path.join(sb.work, name), createdAt: 1_700_000_000 + times[i]!, uid: process.getuid!() }),
        { durable: false },
      );
    }
  } finally {
    reg.close();
  }
  const want = times
    .map((t, i) => ({ t, p: path.join(sb.work, `${names[i]}-${i}`) }))
    .sort((a, b) => a.t - b.t || (a.p < b.p ? -1 : 1))
    .map((x) => x.p);
  const json = (JSON.parse(sb.ok(['list', '--json'])) as { path: string }[]).map((x) => x.path);
  assert.deepEqual(json, want);
  const tree = (JSON.parse(sb.ok(['tree', '--json'])) as { path: string }[]).map((x) => x.path);
  assert.deepEqual(tree, want);
  const text = sb.ok(['list', '--plain']).split('\n').filter(Boolean);
  assert.deepEqual(text.map((l) => want.findIndex((p) => l.includes(path.basename(p)))), want.map((_, i) => i));
  assert.deepEqual((await list({ dataDir: sb.data })).map((t) => t.entry.path), want);
});
