// The claim re-checks an entry under its lock with the same rules as the
// sweep's decision: for each way a directory can be held back, an explicit
// remove() is refused with exactly the blockers `sweep --dry-run --force`
// reports for it, and touches nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { isRoot } from '../helpers/scratch';
import * as api from '../../src/api/index';
import type { BlockerCode } from '../../src/policy/codes';
import { openContext } from '../../src/api/context';
import { claim, reconcile } from '../../src/api/protocol';

const env = isolatedEnv('claim');
after(() => env.cleanup());

function entryFile(id: string): string {
  return path.join(env.data, 'registry.d', 'entries', id[0]!, `${id}.json`);
}

async function refusal(target: string): Promise<{ code?: string; blockers?: BlockerCode[]; message: string }> {
  try {
    await api.remove(target);
  } catch (err) {
    return err as { code?: string; blockers?: BlockerCode[]; message: string };
  }
  assert.fail(`remove(${target}) was not refused`);
}

/** The blockers the sweep's decision reports for one tagged directory (nothing is removed). */
async function decided(tag: string): Promise<BlockerCode[]> {
  const report = await api.sweep({ dryRun: true, force: true, tags: [tag] });
  assert.equal(report.deferred.length, 1, JSON.stringify(report));
  return report.deferred[0]!.blockers;
}

interface Case {
  name: string;
  /** Turns the fresh directory into one that must be held back; returns an undo, if any. */
  arrange: (dir: string, id: string) => void | (() => void);
  code: string;
  /** The first blocker (the one the message starts with). */
  first: BlockerCode;
  skip?: string | false;
}

const cases: Case[] = [
  {
    name: 'replaced by a symlink',
    arrange: (dir) => {
      fs.rmSync(dir, { recursive: true });
      fs.mkdirSync(`${dir}.elsewhere`);
      fs.symlinkSync(`${dir}.elsewhere`, dir);
    },
    code: 'EPHEMDIR_NOT_OURS',
    first: 'identity-changed',
  },
  {
    name: 'replaced by another directory',
    arrange: (dir) => {
      fs.rmSync(dir, { recursive: true });
      fs.mkdirSync(dir);
    },
    code: 'EPHEMDIR_NOT_OURS',
    first: 'identity-changed',
  },
  {
    name: 'missing',
    arrange: (dir) => fs.rmSync(dir, { recursive: true }),
    code: 'EPHEMDIR_INVALID_STATE',
    first: 'path-missing',
  },
  {
    name: 'created on another operating system',
    arrange: (_dir, id) => {
      const file = entryFile(id);
      const e = JSON.parse(fs.readFileSync(file, 'utf8')) as { platform: string };
      fs.writeFileSync(file, JSON.stringify({ ...e, platform: process.platform === 'linux' ? 'darwin' : 'linux' }), { mode: 0o600 });
    },
    code: 'EPHEMDIR_INVALID_STATE',
    first: 'foreign-platform',
  },
  {
    name: 'a filesystem mounted inside',
    arrange: (dir) => {
      const mp = path.join(dir, 'mnt');
      fs.mkdirSync(mp);
      execFileSync('mount', ['-t', 'tmpfs', 'none', mp]);
      return () => execFileSync('umount', [mp]);
    },
    code: 'EPHEMDIR_INVALID_STATE',
    first: 'mount-inside',
    skip: !isRoot && 'needs root to mount',
  },
];

for (const c of cases) {
  test(`remove() refuses a directory ${c.name} with the blockers the policy decides`, { skip: c.skip ?? false }, async () => {
    const tag = `c${cases.indexOf(c)}`;
    const d = await api.tempdir({ parent: env.work, lifetime: '1h', tags: [tag] });
    const undo = c.arrange(d.path, d.id);
    try {
      const before = await api.registered();
      const blockers = await decided(tag);
      const err = await refusal(d.path);
      assert.deepEqual(err.blockers, blockers, err.message);
      assert.equal(err.blockers![0], c.first);
      assert.equal(err.code, c.code, err.message);
      assert.deepEqual(await api.registered(), before, 'the registry is unchanged');
    } finally {
      undo?.();
    }
  });
}

test('each protocol step checks that the lock it is handed is the entry\'s own', async () => {
  const a = await api.tempdir({ parent: env.work, lifetime: '1h', tags: ['witness'] });
  const b = await api.tempdir({ parent: env.work, lifetime: '1h', tags: ['witness'] });
  const ctx = openContext({ create: false })!;
  try {
    const entryA = ctx.registry.get(a.id)!;
    const lockB = ctx.registry.lockEntry(b.id, { waitMs: 0 })!;
    try {
      assert.throws(() => claim(ctx, entryA, lockB, { inUse: () => ({ inUse: false, detail: null }) }), /lock held is for entry/);
      assert.throws(() => reconcile(ctx, entryA, lockB, false), /lock held is for entry/);
    } finally {
      lockB.release();
    }
    assert.equal(ctx.registry.get(a.id)!.state, 'active', 'nothing was claimed');
    assert.ok(fs.existsSync(a.path));
  } finally {
    ctx[Symbol.dispose]();
  }
});
