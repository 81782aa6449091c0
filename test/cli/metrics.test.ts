// `sweep --metrics-file`, `sweep --log-summary`, `stats --format prometheus`
// and `install-service --metrics-file` through the built CLI, on real files:
// the output is checked by a strict grammar checker and an independent
// parser, the write is shown atomic (a new inode by rename; a reader polling
// while sweeps write never sees part of a file), and unsafe targets are
// refused with exit 2 before anything is swept.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { CliSandbox } from '../helpers/cli-sandbox';
import { MAIN, runtimeTrusted } from '../helpers/cli';
import { checkExposition, valueOf } from '../helpers/prom-check';
import { createUser, runAs, usersUnavailable, type TestUser } from '../helpers/users';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS package without types: typed by the cast
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => Array<{ name: string }>;

const LAST_FAMILY = 'ephemdir_sweep_duration_seconds';

/** Makes one directory that is due (lifetime over) and returns its path. */
function dueDirectory(sb: CliSandbox, files = 3): string {
  const dir = sb.ok(['new', '--lifetime', '1s', '--json']);
  const p = (JSON.parse(dir) as { path: string }).path;
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(p, `f${i}`), 'x');
  return p;
}

function waitPastLifetime(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1100);
}

describe('sweep --metrics-file and stats --format prometheus', () => {
  let sb: CliSandbox;
  let out: string;
  before(() => {
    sb = new CliSandbox();
    out = path.join(sb.root, 'textfile');
    fs.mkdirSync(out, { mode: 0o755 });
  });
  after(() => sb.cleanup());

  it('a real sweep writes the exposition: counts, entries, time and duration; --log-summary prints the same counts', () => {
    const due = dueDirectory(sb, 3);
    sb.ok(['new', '--lifetime', '1h']);
    waitPastLifetime();
    const file = path.join(out, 'ephemdir.prom');
    const before = Date.now() / 1000;
    const r = sb.run(['sweep', '--metrics-file', file, '--log-summary']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!fs.existsSync(due), 'the due directory was swept');
    const text = fs.readFileSync(file, 'utf8');
    const fams = checkExposition(text);
    assert.equal(parsePrometheus(text).length, fams.length, 'an independent parser reads every family');
    assert.equal(fams.at(-1)!.name, LAST_FAMILY);
    assert.equal(valueOf(fams, 'ephemdir_sweep_removed_directories'), 1);
    assert.equal(valueOf(fams, 'ephemdir_sweep_due_directories'), 1);
    assert.equal(valueOf(fams, 'ephemdir_sweep_failed_directories'), 0);
    assert.equal(valueOf(fams, 'ephemdir_sweep_removed_entries'), 5, 'three files, the marker and the directory');
    assert.equal(valueOf(fams, 'ephemdir_tracked_directories', { status: 'active' }), 1);
    assert.equal(valueOf(fams, 'ephemdir_tracked_directories', { status: 'expired' }), 0);
    assert.equal(valueOf(fams, 'ephemdir_swept_directories_total'), 1);
    const at = valueOf(fams, 'ephemdir_last_sweep_timestamp_seconds');
    assert.ok(at >= before - 1 && at <= Date.now() / 1000 + 1, `timestamp ${at}`);
    assert.ok(valueOf(fams, LAST_FAMILY) >= 0);
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);
    assert.deepEqual(fs.readdirSync(out), ['ephemdir.prom'], 'no temp file left behind');
    assert.match(
      r.stderr,
      /^ephemdir sweep: removed=1 deferred=0 failed=0 recovered=0 due=1 quarantined=0 entries_removed=5 duration_seconds=\d+\.\d{3}$/m,
    );
  });

  it('without --log-summary there is no summary line; a relative PATH is taken from the current directory', () => {
    const r = sb.run(['sweep', '--metrics-file', '../textfile/rel.prom'], { cwd: sb.work });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /ephemdir sweep: removed=/);
    checkExposition(fs.readFileSync(path.join(out, 'rel.prom'), 'utf8'));
    fs.unlinkSync(path.join(out, 'rel.prom'));
  });

  it('stats --format prometheus prints the registry families on stdout', () => {
    const r = sb.run(['stats', '--format', 'prometheus']);
    assert.equal(r.code, 0, r.stderr);
    const fams = checkExposition(r.stdout);
    assert.deepEqual(
      fams.map((f) => f.name),
      [
        'ephemdir_tracked_directories',
        'ephemdir_quarantined_entries',
        'ephemdir_created_directories_total',
        'ephemdir_swept_directories_total',
        'ephemdir_kept_directories_total',
        'ephemdir_removed_directories_total',
      ],
    );
    assert.equal(valueOf(fams, 'ephemdir_tracked_directories', { status: 'active' }), 1);
    assert.equal(valueOf(fams, 'ephemdir_created_directories_total'), 2);
    assert.equal(sb.run(['stats', '--format', 'yaml']).code, 2);
    assert.equal(sb.run(['stats', '--json', '--format', 'prometheus']).code, 2);
  });

  it('the file is replaced by rename: a new inode each sweep, and a hard link to the old one keeps its content', () => {
    const file = path.join(out, 'ephemdir.prom');
    const old = path.join(sb.root, 'old-link');
    fs.linkSync(file, old);
    const oldText = fs.readFileSync(old, 'utf8');
    const oldIno = fs.statSync(file).ino;
    assert.equal(sb.run(['sweep', '--metrics-file', file]).code, 0);
    assert.notEqual(fs.statSync(file).ino, oldIno);
    assert.equal(fs.readFileSync(old, 'utf8'), oldText, 'never written in place');
    fs.unlinkSync(old);
  });

  it('a reader polling while sweeps write never sees an empty or partial file', async () => {
    const file = path.join(out, 'race.prom');
    const script = `for i in 1 2 3 4 5 6 7 8; do "$0" "$1" sweep --metrics-file "$2" || exit 1; done`;
    const child = spawn('sh', ['-c', script, process.execPath, MAIN, file], { env: sb.env, cwd: sb.work, stdio: 'ignore' });
    let running = true;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => ((running = false), resolve(code))));
    let reads = 0;
    while (running) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          await new Promise((r) => setImmediate(r));
          continue;
        }
        throw err;
      }
      reads++;
      const fams = checkExposition(text);
      assert.equal(fams.at(-1)?.name, LAST_FAMILY, 'a complete file');
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(await exited, 0);
    assert.ok(reads > 0, 'the reader saw the file');
    assert.deepEqual(fs.readdirSync(out).filter((n) => n.startsWith('.')), [], 'no temp file left behind');
  });

  it('watch writes the file and logs the line after each sweep; an unusable folder is refused before the first', async () => {
    const file = path.join(out, 'watch.prom');
    const child = spawn(process.execPath, [MAIN, 'watch', '--interval', '1', '--metrics-file', file, '--log-summary'], { env: sb.env, cwd: sb.work });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while ((stderr.match(/^ephemdir sweep: removed=/gm) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.ok((stderr.match(/^ephemdir sweep: removed=/gm) ?? []).length >= 2, stderr);
    assert.equal(checkExposition(fs.readFileSync(file, 'utf8')).at(-1)!.name, LAST_FAMILY);
    const r = sb.run(['watch', '--interval', '1', '--metrics-file', path.join(sb.root, 'missing', 'w.prom')]);
    assert.equal(r.code, 2, r.stderr);
  });

  it('--metrics-file with --dry-run is a usage error', () => {
    const r = sb.run(['sweep', '--dry-run', '--metrics-file', path.join(out, 'x.prom')]);
    assert.equal(r.code, 2);
    assert.ok(!fs.existsSync(path.join(out, 'x.prom')));
  });
});

describe('sweep --metrics-file refuses an unsafe target before sweeping (exit 2)', () => {
  let sb: CliSandbox;
  before(() => {
    sb = new CliSandbox();
  });
  after(() => sb.cleanup());

  const refuses = (target: string, why: RegExp) => {
    const due = dueDirectory(sb, 1);
    waitPastLifetime();
    const r = sb.run(['sweep', '--metrics-file', target]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.ok(fs.existsSync(due), 'nothing was swept');
  };

  it('a folder that does not exist', () => refuses(path.join(sb.root, 'missing', 'e.prom'), /--metrics-file .*missing.*ENOENT/));

  it('a path that is a directory', () => {
    fs.mkdirSync(path.join(sb.root, 'isdir'));
    refuses(path.join(sb.root, 'isdir'), /it exists and is a directory/);
    refuses(path.join(sb.root, 'isdir') + '/', /give a file name/);
  });

  it('a folder that is a file', () => {
    fs.writeFileSync(path.join(sb.root, 'plain'), '');
    refuses(path.join(sb.root, 'plain', 'e.prom'), /--metrics-file/);
  });

  it('a group/world-writable folder without the sticky bit', () => {
    fs.mkdirSync(path.join(sb.root, 'open'));
    fs.chmodSync(path.join(sb.root, 'open'), 0o777);
    refuses(path.join(sb.root, 'open', 'e.prom'), /writable without the sticky bit/);
  });

  describe('with another user', { skip: usersUnavailable() ?? false }, () => {
    let other: TestUser;
    let shared: string;
    before(() => {
      other = createUser('ephmet');
      fs.chmodSync(sb.root, 0o755);
      shared = path.join(sb.root, 'shared');
      fs.mkdirSync(shared);
      fs.chmodSync(shared, 0o1777); // like /tmp: root-owned and sticky
    });
    after(() => {
      fs.chmodSync(sb.root, 0o700);
      other.remove();
    });

    it('a symlinked folder planted by another user (pointing at one of ours)', () => {
      const mine = path.join(sb.root, 'mine');
      fs.mkdirSync(mine, { mode: 0o755 });
      const link = path.join(shared, 'link');
      const ln = runAs(other, ['ln', '-s', mine, link]);
      assert.equal(ln.status, 0, String(ln.stderr));
      assert.equal(fs.lstatSync(link).uid, other.uid);
      refuses(path.join(link, 'e.prom'), /owned by uid/);
      assert.deepEqual(fs.readdirSync(mine), [], 'nothing written through the link');
    });

    it("another user's file in a shared sticky folder", () => {
      const f = path.join(shared, 'theirs.prom');
      const mk = runAs(other, ['touch', f]);
      assert.equal(mk.status, 0, String(mk.stderr));
      refuses(f, /owned by uid \d+, not by uid/);
      assert.equal(fs.readFileSync(f, 'utf8'), '');
    });

    it('a folder owned by another user', () => {
      const theirs = path.join(shared, 'theirs');
      const mk = runAs(other, ['mkdir', '-m', '0755', theirs]);
      assert.equal(mk.status, 0, String(mk.stderr));
      refuses(path.join(theirs, 'e.prom'), /owned by uid/);
    });
  });
});

describe('install-service --metrics-file', { skip: (process.platform !== 'linux' && 'systemd units: Linux only') || (!runtimeTrusted() && 'the checkout is under a folder others can write') }, () => {
  let sb: CliSandbox;
  let env: NodeJS.ProcessEnv;
  before(() => {
    sb = new CliSandbox();
    env = { XDG_CONFIG_HOME: path.join(sb.root, 'home', '.config'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
  });
  after(() => sb.cleanup());

  it('puts --log-summary and the absolute --metrics-file in the unit, whose sweep writes both', () => {
    fs.mkdirSync(path.join(sb.root, 'tf'));
    const r = sb.run(['install-service', '--no-enable', '--metrics-file', '../tf/e.prom'], { env });
    assert.equal(r.code, 0, r.stderr);
    const unit = fs.readFileSync(path.join(sb.root, 'home', '.config', 'systemd', 'user', 'ephemdir-sweep.service'), 'utf8');
    const line = unit.match(/^ExecStart=(.*)$/m)![1]!;
    assert.ok(line.endsWith(` sweep --log-summary --metrics-file ${path.join(sb.root, 'tf', 'e.prom')}`), line);
    const run = spawnSync('sh', ['-c', line.replace(/\$\$/g, '$').replace(/%%/g, '%')], { cwd: '/', encoding: 'utf8', env: {} });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /^ephemdir sweep: removed=0 deferred=0 failed=0 recovered=0 due=0 quarantined=0 entries_removed=0 duration_seconds=/m);
    checkExposition(fs.readFileSync(path.join(sb.root, 'tf', 'e.prom'), 'utf8'));
  });

  it('without --metrics-file the unit still logs the summary line', () => {
    const r = sb.run(['install-service', '--dry-run'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ExecStart=.* sweep --log-summary$/m);
  });

  it('refuses an unusable metrics folder (exit 2) and installs nothing', () => {
    const units = path.join(sb.root, 'home', '.config', 'systemd', 'user');
    const beforeText = fs.readFileSync(path.join(units, 'ephemdir-sweep.service'), 'utf8');
    const r = sb.run(['install-service', '--no-enable', '--metrics-file', path.join(sb.root, 'nope', 'e.prom')], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--metrics-file .*nope/);
    assert.equal(fs.readFileSync(path.join(units, 'ephemdir-sweep.service'), 'utf8'), beforeText);
  });
});

describe('the README metrics example', () => {
  it('runs as written: ```sh metrics, with ephemdir on PATH and TEXTFILE_DIR set', () => {
    const readme = fs.readFileSync(path.join(path.dirname(MAIN), '..', '..', 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```sh metrics\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    assert.equal(blocks.length, 1, 'README.md has one ```sh metrics block');
    using sb = new CliSandbox();
    const bin = path.join(sb.root, 'bin');
    const tf = path.join(sb.root, 'tf');
    fs.mkdirSync(bin);
    fs.mkdirSync(tf);
    fs.writeFileSync(path.join(bin, 'ephemdir'), `#!/bin/sh\nexec '${process.execPath}' '${MAIN}' "$@"\n`, { mode: 0o755 });
    sb.ok(['new', '--lifetime', '1h']);
    const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', blocks[0]!], {
      cwd: sb.work,
      encoding: 'utf8',
      env: { ...sb.env, PATH: `${bin}:${process.env.PATH}`, TEXTFILE_DIR: tf },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ephemdir_sweep_removed_directories 0$/m);
    assert.match(r.stdout, /^ephemdir_last_sweep_timestamp_seconds \d+(\.\d+)?$/m);
    assert.match(r.stdout, /^ephemdir_tracked_directories\{status="active"\} 1$/m);
    assert.match(r.stderr, /^ephemdir sweep: removed=0 /m);
  });
});
