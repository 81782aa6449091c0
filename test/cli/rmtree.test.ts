// `ephemdir rmtree` run as an npm script would run it: the built CLI on real
// files, real symlinks, a real tmpfs mount and (as root) an immutable file.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { MAIN, repoRoot } from '../helpers/cli';
import { CliSandbox, snapshotTree } from '../helpers/cli-sandbox';
import { mountUnavailable, withMounts } from '../helpers/mounts';
import { isRoot } from '../helpers/scratch';

const box = new CliSandbox();
after(() => box.cleanup());

let n = 0;
/** A fresh project folder with dist/ (nested, with a file), coverage/ and an outside folder a symlink points at. */
function project(): { dir: string; outside: string } {
  const dir = path.join(box.work, `p${++n}`);
  const outside = path.join(box.root, `outside${n}`);
  fs.mkdirSync(path.join(dir, 'dist', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dist', 'sub', 'a.js'), 'a');
  fs.mkdirSync(path.join(dir, 'coverage'));
  fs.writeFileSync(path.join(dir, 'coverage', 'lcov.info'), 'c');
  fs.mkdirSync(path.join(outside, 'keep'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'keep', 'precious'), 'p');
  return { dir, outside };
}

const exists = (p: string): boolean => {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

describe('rmtree', () => {
  it('removes several paths, says nothing, exits 0; a missing path is fine and -v says so', () => {
    const { dir } = project();
    const r = box.run(['rmtree', 'dist', 'coverage', 'never-built'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    assert.ok(!exists(path.join(dir, 'dist')) && !exists(path.join(dir, 'coverage')));
    const v = box.run(['rmtree', '-v', 'never-built'], { cwd: dir });
    assert.equal(v.code, 0);
    assert.match(v.stderr, /never-built: not there, nothing to remove/);
  });

  it('follows no symlink: a symlinked directory inside is removed as a link, its target kept', () => {
    const { dir, outside } = project();
    fs.symlinkSync(outside, path.join(dir, 'dist', 'link'));
    fs.symlinkSync(outside, path.join(dir, 'out-link'));
    assert.equal(box.run(['rmtree', 'dist', 'out-link/'], { cwd: dir }).code, 0);
    assert.ok(!exists(path.join(dir, 'dist')) && !exists(path.join(dir, 'out-link')));
    assert.equal(fs.readFileSync(path.join(outside, 'keep', 'precious'), 'utf8'), 'p');
  });

  it('without --glob, * is a literal name: removes a file named *, and a pattern that matches nothing says so', () => {
    const { dir } = project();
    fs.writeFileSync(path.join(dir, 'dist', '*'), 'star');
    const r = box.run(['rmtree', 'dist/*'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!exists(path.join(dir, 'dist', '*')));
    assert.ok(exists(path.join(dir, 'dist', 'sub', 'a.js')), 'only the file named * went');
    for (const pattern of ['dist/*', 'cov?rage', 'dist/[ab].js', 'dist/{a,b}']) {
      const again = box.run(['rmtree', pattern], { cwd: dir });
      assert.equal(again.code, 0);
      assert.match(again.stderr, /does not exist \(taken literally; use --glob to expand patterns\)/, pattern);
    }
    assert.ok(exists(path.join(dir, 'coverage')) && exists(path.join(dir, 'dist', 'sub')));
  });

  it('--glob expands patterns without following a symlinked directory; dot names only when spelled', () => {
    const { dir, outside } = project();
    fs.mkdirSync(path.join(dir, 'packages', 'a', 'dist'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'packages', 'b', 'dist'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'packages', '.hidden', 'dist'), { recursive: true });
    fs.mkdirSync(path.join(outside, 'dist'));
    fs.symlinkSync(outside, path.join(dir, 'packages', 'linked'));
    const r = box.run(['rmtree', '--glob', '--json', 'packages/*/dist', 'packages/**/keep'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { paths: Array<{ path: string; status: string }> };
    assert.deepEqual(doc.paths.map((p) => [p.path, p.status]), [
      ['packages/a/dist', 'removed'],
      ['packages/b/dist', 'removed'],
    ]);
    assert.match(r.stderr, /'packages\/\*\*\/keep' matches nothing/);
    assert.ok(exists(path.join(outside, 'dist')), 'the symlinked package was not entered');
    assert.ok(exists(path.join(dir, 'packages', '.hidden', 'dist')), '* does not match a dot name');
    assert.equal(box.run(['rmtree', '--glob', 'packages/.h*/dist'], { cwd: dir }).code, 0);
    assert.ok(!exists(path.join(dir, 'packages', '.hidden', 'dist')), 'a spelled dot matches');
    // The link itself matches * and is removed as a link; its target stays.
    assert.equal(box.run(['rmtree', '--glob', 'packages/*'], { cwd: dir }).code, 0);
    assert.ok(!exists(path.join(dir, 'packages', 'linked')) && !exists(path.join(dir, 'packages', 'a')));
    assert.equal(fs.readFileSync(path.join(outside, 'keep', 'precious'), 'utf8'), 'p');
  });

  it('refuses /, the home directory, the current directory and its ancestors: exit 2, nothing removed', () => {
    const { dir } = project();
    const sub = path.join(dir, 'dist', 'sub');
    const before = snapshotTree(box.root);
    const cases: Array<[string, RegExp]> = [
      ['/', /the root directory \//],
      [box.env.HOME!, /the home directory/],
      ['.', /the current directory/],
      [sub, /the current directory/],
      ['..', /an ancestor of the current directory/],
      [dir, /an ancestor of the current directory/],
      ['../../coverage/..', /an ancestor of the current directory/],
      ['../../coverage/.', /a path ending in '\.'/],
    ];
    for (const [arg, why] of cases) {
      // A removable path first: it must survive the refusal of the other.
      const r = box.run(['rmtree', path.join(dir, 'coverage'), arg], { cwd: sub });
      assert.equal(r.code, 2, `${arg}: ${r.stderr}`);
      assert.match(r.stderr, why, arg);
      assert.match(r.stderr, /nothing removed: 1 path was refused/);
    }
    assert.deepEqual(snapshotTree(box.root), before);
  });

  it('--dry-run lists and counts, touching nothing', () => {
    const { dir } = project();
    const before = snapshotTree(dir);
    const r = box.run(['rmtree', '-n', 'dist', 'coverage', 'gone'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'dist\ncoverage\n');
    assert.match(r.stderr, /would remove 2 paths, 5 entries \(dry run\)/);
    const j = JSON.parse(box.run(['rmtree', '--dry-run', '--json', 'dist'], { cwd: dir }).stdout) as { dry_run: boolean; paths: Array<{ entries: number; status: string }> };
    assert.equal(j.dry_run, true);
    assert.deepEqual(j.paths.map((p) => [p.status, p.entries]), [['would_remove', 3]]);
    assert.deepEqual(snapshotTree(dir), before);
  });

  it('--json: one document with status, entries and failures per path', () => {
    const { dir } = project();
    const r = box.run(['rmtree', '--json', 'dist', 'nothing-here'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      dry_run: false,
      glob: false,
      ok: true,
      paths: [
        { path: 'dist', status: 'removed', entries: 3, failures: [], error: null },
        { path: 'nothing-here', status: 'missing', entries: 0, failures: [], error: null },
      ],
    });
    const refused = JSON.parse(box.run(['rmtree', '--json', 'coverage', '.'], { cwd: dir }).stdout) as { ok: boolean; paths: Array<{ status: string; error: { code: string } | null }> };
    assert.equal(refused.ok, false);
    assert.deepEqual(refused.paths.map((p) => [p.status, p.error?.code ?? null]), [['not_removed', null], ['refused', 'EPHEMDIR_PROTECTED_PATH']]);
  });

  it('usage errors exit 2; a name starting with - is given after --', () => {
    assert.equal(box.run(['rmtree']).code, 2);
    assert.equal(box.run(['rmtree', '--bogus', 'x']).code, 2);
    const { dir } = project();
    fs.writeFileSync(path.join(dir, '-rf'), '');
    assert.equal(box.run(['rmtree', '--', '-rf'], { cwd: dir }).code, 0);
    assert.ok(!exists(path.join(dir, '-rf')) && exists(path.join(dir, 'dist')));
  });

  it('fails closed when the current directory is gone: nothing removed, exit 1', () => {
    const { dir } = project();
    const script = `cd "$1" && rmdir "$1" && exec "$2" "$3" rmtree "$4"`;
    const victim = path.join(dir, 'gone');
    fs.mkdirSync(victim);
    const r = spawnSync('sh', ['-c', script, 'sh', victim, process.execPath, MAIN, path.join(dir, 'coverage')], { env: box.env, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot tell the current directory/);
    assert.ok(exists(path.join(dir, 'coverage')));
  });

  it('one path that fails (an immutable file) does not stop the others; exit 1 with the failure in --json', { skip: !isRoot && 'chattr +i needs root' }, (t) => {
    const { dir } = project();
    const pinned = path.join(dir, 'dist', 'sub', 'a.js');
    try {
      execFileSync('chattr', ['+i', pinned], { stdio: 'ignore' });
    } catch {
      t.skip('this filesystem does not support chattr +i');
      return;
    }
    try {
      fs.mkdirSync(path.join(dir, 'later'));
      const r = box.run(['rmtree', '--json', 'dist', 'coverage', 'later'], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout) as { ok: boolean; paths: Array<{ path: string; status: string; failures: Array<{ path: string; code: string }> }> };
      assert.equal(doc.ok, false);
      assert.deepEqual(doc.paths.map((p) => [p.path, p.status]), [['dist', 'failed'], ['coverage', 'removed'], ['later', 'removed']]);
      assert.equal(doc.paths[0]!.failures[0]!.code, 'EPERM');
      assert.match(r.stderr, /could not remove all of .*dist/);
      assert.ok(exists(pinned));
    } finally {
      execFileSync('chattr', ['-i', pinned]);
    }
  });

  it('crosses no mount: a tmpfs inside is left intact and the path fails', { skip: mountUnavailable() ?? false }, async () => {
    const { dir } = project();
    const mnt = path.join(dir, 'dist', 'mnt');
    await withMounts((m) => {
      m.tmpfs(mnt);
      fs.writeFileSync(path.join(mnt, 'on-tmpfs'), 't');
      const r = box.run(['rmtree', 'dist', 'coverage'], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      assert.ok(exists(path.join(mnt, 'on-tmpfs')), 'nothing removed on the mount');
      assert.ok(!exists(path.join(dir, 'coverage')));
      const root = box.run(['rmtree', mnt], { cwd: dir });
      assert.equal(root.code, 1);
      assert.ok(exists(path.join(mnt, 'on-tmpfs')));
    });
  });

  it("the README's npm scripts run: `npm run clean` and `npm run clean:packages`", { skip: spawnSync('npm', ['--version']).status !== 0 && 'npm is not installed' }, () => {
    const readme = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```json\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).filter((b) => b.includes('ephemdir rmtree'));
    assert.equal(blocks.length, 1, 'one ```json block with the npm scripts');
    const { dir, outside } = project();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, ...JSON.parse(blocks[0]!) }));
    fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    const bin = path.join(dir, 'node_modules', '.bin', 'ephemdir');
    fs.writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} "$@"\n`, { mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'packages', 'a', 'dist', 'x'), { recursive: true });
    fs.symlinkSync(outside, path.join(dir, 'packages', 'linked'));
    fs.mkdirSync(path.join(outside, 'dist'));
    for (const script of ['clean', 'clean:packages']) {
      const r = spawnSync('npm', ['run', '--silent', script], { cwd: dir, env: { ...box.env, npm_config_update_notifier: 'false' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, `${script}: ${r.stderr}`);
    }
    assert.ok(!exists(path.join(dir, 'dist')) && !exists(path.join(dir, 'coverage')) && !exists(path.join(dir, 'packages', 'a', 'dist')));
    assert.ok(exists(path.join(outside, 'dist')), 'the symlinked package is not entered');
  });

  it('shows progress on a terminal only', { skip: spawnSync('script', ['--version']).status !== 0 && 'script(1) is needed for a terminal' }, () => {
    const { dir } = project();
    const piped = box.run(['rmtree', 'coverage'], { cwd: dir });
    assert.equal(piped.stderr, '');
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} rmtree dist`;
    const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { cwd: dir, env: box.env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /removing dist: 3 entries/);
    assert.ok(!exists(path.join(dir, 'dist')));
  });
});
