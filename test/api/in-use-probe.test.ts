// In-use probes are written once and driven by two runners: the sync and the
// async answer must agree, for every way a program can end. The lsof probe
// (macOS) runs the real lsof here too (Linux has one), so its sync form, new
// with the shared runners, is checked against real processes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { runProbe, runProbeSync, type ProbeSteps, type ProgramResult } from '../../src/api/in-use-probe';
import { lsofPids, lsofProbe, TRUSTED_LSOF } from '../../src/api/in-use-darwin';
import { linuxProbe } from '../../src/api/in-use-linux';
import { openDirectory } from '../../src/fs/walk';
import { scratch, isRoot, isLinux } from '../helpers/scratch';
import { mountUnavailable } from '../helpers/mounts';

const work = scratch('inuse-probe');
const running: ChildProcess[] = [];
after(() => {
  for (const c of running) c.kill('SIGKILL');
  work.cleanup();
});

/** A probe that runs `file args` and reports how it ended, as the detail. */
function* echoProbe(file: string, args: string[], timeoutMs = 10_000): ProbeSteps {
  const r: ProgramResult = yield { file, args, timeoutMs };
  return { inUse: null, detail: JSON.stringify(r) };
}

test('the sync and async runners agree on how a program ended', async () => {
  const table: [string, string, string[], number | undefined, ProgramResult][] = [
    ['exit 0 with output', '/bin/sh', ['-c', 'echo 12; echo 34'], undefined, { status: 0, stdout: '12\n34\n' }],
    ['exit 1 (lsof: nothing matched)', '/bin/sh', ['-c', 'echo 5; exit 1'], undefined, { status: 1, stdout: '5\n' }],
    ['stderr is not output', '/bin/sh', ['-c', 'echo oops >&2'], undefined, { status: 0, stdout: '' }],
    ['runs from / with a scrubbed environment', '/bin/sh', ['-c', 'pwd; echo "$PATH|$HOME|$LANG"'], undefined, { status: 0, stdout: '/\n/usr/bin:/bin:/usr/sbin:/sbin||C\n' }],
    ['missing program', path.join(work.dir, 'no-such-program'), [], undefined, null],
    ['killed by a signal', '/bin/sh', ['-c', 'kill -9 $$'], undefined, null],
    ['timed out', '/bin/sleep', ['5'], 200, null],
  ];
  for (const [name, file, args, timeout, want] of table) {
    const expected = { inUse: null, detail: JSON.stringify(want) };
    assert.deepEqual(runProbeSync(echoProbe(file, args, timeout)), expected, `sync: ${name}`);
    assert.deepEqual(await runProbe(echoProbe(file, args, timeout)), expected, `async: ${name}`);
  }
});

test('a probe that runs nothing answers the same in both forms', async () => {
  function* plain(): ProbeSteps {
    return { inUse: false, detail: null };
  }
  assert.deepEqual(runProbeSync(plain()), { inUse: false, detail: null });
  assert.deepEqual(await runProbe(plain()), { inUse: false, detail: null });
});

test('lsof -t output: process ids only, this process left out', () => {
  assert.deepEqual(lsofPids('123\n456\n', 1), [123, 456]);
  assert.deepEqual(lsofPids(`7\n${process.pid}\n8\n`), [7, 8]);
  assert.deepEqual(lsofPids(''), []);
  assert.deepEqual(lsofPids('lsof: WARNING: can\'t stat()\n 12\n12x\n9\n', 1), [9]);
});

const trustedLsof = TRUSTED_LSOF.find((p) => {
  try {
    const st = fs.lstatSync(p);
    return st.isFile() && st.uid === 0 && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
});

test('lsof probe, sync and async: a process working inside is found, and then nobody', { skip: !trustedLsof && `no root-owned lsof at ${TRUSTED_LSOF.join(' or ')}` }, async () => {
  const tree = path.join(work.dir, 'lsof-tree');
  fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
  const child = spawn('sh', ['-c', 'echo ready; exec sleep 60'], { cwd: path.join(tree, 'sub'), stdio: ['ignore', 'pipe', 'ignore'] });
  running.push(child);
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  using dir = openDirectory(tree, { trust: 'chain' });
  const probe = lsofProbe();
  const busy = { inUse: true, detail: `process ${child.pid}` };
  assert.deepEqual(runProbeSync(probe.check(dir)), busy, 'sync');
  assert.deepEqual(await runProbe(probe.check(dir)), busy, 'async');
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
  assert.deepEqual(runProbeSync(probe.check(dir)), { inUse: false, detail: null }, 'sync, this process (holding the handle) left out');
  assert.deepEqual(await runProbe(probe.check(dir)), { inUse: false, detail: null }, 'async');
});

test('lsof probe: an lsof others could replace, or none, leaves the answer unknown in both forms', async () => {
  const loose = path.join(work.dir, 'lsof');
  fs.writeFileSync(loose, '#!/bin/sh\nexit 1\n');
  fs.chmodSync(loose, 0o777);
  using dir = openDirectory(work.dir, { trust: 'chain' });
  for (const candidates of [[loose], [path.join(work.dir, 'missing')], []]) {
    const probe = lsofProbe(candidates);
    const unknown = { inUse: null, detail: 'lsof could not run' };
    assert.deepEqual(runProbeSync(probe.check(dir)), unknown, candidates.join());
    assert.deepEqual(await runProbe(probe.check(dir)), unknown, candidates.join());
  }
  assert.equal(lsofProbe().mountsInside(work.dir), null, 'macOS lists no mounts inside');
});

test('Linux probe: mount points strictly inside a tree', { skip: (!isLinux && 'reads /proc/self/mountinfo') || mountUnavailable() || (!isRoot && 'mounting needs root') || false }, () => {
  const tree = path.join(work.dir, 'mounted tree');
  const mnt = path.join(tree, 'in side');
  fs.mkdirSync(mnt, { recursive: true });
  assert.deepEqual(linuxProbe.mountsInside(tree), []);
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'x', mnt]).status, 0, 'mount a tmpfs');
  try {
    assert.deepEqual(linuxProbe.mountsInside(tree), [mnt], 'its name unescaped (the space)');
    assert.deepEqual(linuxProbe.mountsInside(mnt), [], 'the mount point itself is not inside itself');
  } finally {
    spawnSync('umount', [mnt]);
  }
});
