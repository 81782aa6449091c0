import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { currentBoot } from '../../src/store/boot';
import { Registry } from '../../src/store/registry';
import { dataScratch, makeEntry, REPO } from './_helpers';
import { isRoot, isLinux } from '../helpers/scratch';

test('currentBoot: the kernel boot id and a boot time consistent with uptime', () => {
  const b = currentBoot();
  if (isLinux) assert.equal(b.bootId, fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  else assert.equal(b.bootId, null);
  assert.ok(b.bootTime !== null && Math.abs(b.bootTime - (Date.now() / 1000 - os.uptime())) < 2);
});

function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['-m', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('a simulated restart (boot_id bind-mounted in a private mount namespace) is seen without caching', { skip: !(isRoot && isLinux && canUnshare()) && 'needs root, Linux and unshare -m' }, () => {
  using s = dataScratch('boot');
  const real = currentBoot().bootId!;
  const fake = '11111111-2222-4333-8444-555555555555';
  const fakeFile = path.join(s.dir, 'boot_id');
  fs.writeFileSync(fakeFile, `${fake}\n`);
  // An entry from "this" boot, marked remove-on-restart.
  const e = makeEntry({ bootId: real, removeOnRestart: true, expiresAt: null });
  {
    using r = Registry.open({ create: true, env: s.env })!;
    r.create(e);
    assert.deepEqual(r.dueHints({ now: Date.now() / 1000, bootId: currentBoot().bootId, bootTime: null, platform: 'linux' }, 10), []);
  }
  // One child process: reads the real id, then the bind mount appears, then reads again.
  const script = path.join(s.dir, 'probe.ts');
  fs.writeFileSync(
    script,
    [
      `import { execFileSync } from 'node:child_process';`,
      `import { currentBoot } from ${JSON.stringify(path.join(REPO, 'src/store/boot'))};`,
      `import { Registry } from ${JSON.stringify(path.join(REPO, 'src/store/registry'))};`,
      `const before = currentBoot().bootId;`,
      `execFileSync('mount', ['--bind', ${JSON.stringify(fakeFile)}, '/proc/sys/kernel/random/boot_id']);`,
      `const after = currentBoot().bootId;`,
      `const r = Registry.open({ create: false })!;`,
      `console.log(JSON.stringify({ before, after, due: r.dueHints({ now: Date.now() / 1000, bootId: after, bootTime: null, platform: 'linux' }, 10) }));`,
    ].join('\n'),
  );
  const out = execFileSync('unshare', ['-m', '--propagation', 'private', process.execPath, '--import', 'tsx', script], {
    cwd: REPO,
    env: { PATH: process.env.PATH, ...s.env },
  }).toString();
  const res = JSON.parse(out.trim().split('\n').pop()!) as { before: string; after: string; due: string[] };
  assert.equal(res.before, real);
  assert.equal(res.after, fake);
  assert.deepEqual(res.due, [e.id]);
  assert.equal(currentBoot().bootId, real, 'the host namespace is unaffected');
});
