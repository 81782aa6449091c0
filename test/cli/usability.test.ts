// The command line as people use it: "did you mean" for mistyped commands and
// options (tables over the pure matcher, then the built CLI: exit 2, nothing
// touched), `list`/`tree` fitted to a terminal's width, `watch`'s line per
// sweep, and the status legend in `list --help`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { closeMatches, closeOptions, editDistance } from '../../src/cli/suggest';
import { elideMiddle, elideEnd, renderList, renderTree, width } from '../../src/cli/format';
import { painter } from '../../src/cli/color';
import { watchLine } from '../../src/cli/sweeping';
import { STATUSES, STATUS_LEGEND, STATUS_STYLE } from '../../src/policy/status';
import type { SweepItem, SweepReport } from '../../src/api/types';
import type { TrackedDirectory } from '../../src/api/types';
import type { Entry } from '../../src/model/entry';
import { cliEntry as entry } from '../helpers/entry';
import { MAIN } from '../helpers/cli';
import { CliSandbox, snapshotTree } from '../helpers/cli-sandbox';

const COMMANDS = ['new', 'list', 'tree', 'path', 'last', 'keep', 'extend', 'rm', 'sweep', 'rmtree', 'prune', 'recover', 'explain', 'stats', 'doctor', 'watch', 'install-service', 'uninstall-service', 'shell-init', 'completion', 'menu'];

describe('did you mean: the matcher', () => {
  it('edit distance counts a swap of neighbours as one edit', () => {
    const rows: Array<[string, string, number]> = [
      ['list', 'list', 0],
      ['lsit', 'list', 1],
      ['lst', 'list', 1],
      ['lisst', 'list', 1],
      ['lidt', 'list', 1],
      ['swepe', 'sweep', 1],
      ['exnted', 'extend', 2],
      ['', 'rm', 2],
      ['ls', 'rm', 2],
    ];
    for (const [a, b, d] of rows) assert.equal(editDistance(a, b), d, `${a} -> ${b}`);
  });
  it('commands: close typos and prefixes, closest first; nothing far-fetched', () => {
    const rows: Array<[string, string[]]> = [
      ['lsit', ['list']],
      ['lst', ['last', 'list']],
      ['swep', ['sweep']],
      ['sweeep', ['sweep']],
      ['exnted', ['extend']],
      ['expalin', ['explain']],
      ['l', ['last', 'list']],
      ['install', ['install-service']],
      ['uninstall', ['uninstall-service']],
      ['docter', ['doctor']],
      ['rmtre', ['rmtree']],
      ['ls', []],
      ['frobnicate', []],
      ['xyz', []],
      ['', []],
    ];
    for (const [word, expected] of rows) assert.deepEqual(closeMatches(word, COMMANDS), expected, word);
  });
  it('options: long spellings without dashes or =value; one dash for two; never a lone letter', () => {
    const names = ['dry-run', 'force', 'tag', 'json', 'metrics-file', 'log-summary', 'verbose', 'quiet', 'color', 'help'];
    const rows: Array<[string, string[]]> = [
      ['--dryrun', ['--dry-run']],
      ['--dry_run', ['--dry-run']],
      ['--dry-rn', ['--dry-run']],
      ['--jsno', ['--json']],
      ['--jsn=3', ['--json']],
      ['--forc', ['--force']],
      ['-dry-run', ['--dry-run']],
      ['--colour', ['--color']],
      ['--verbos', ['--verbose']],
      ['--metrics', ['--metrics-file']],
      ['-x', []],
      ['--frobnicate', []],
    ];
    for (const [typed, expected] of rows) assert.deepEqual(closeOptions(typed, names), expected, typed);
  });
});

describe('did you mean: the command line', () => {
  let sb: CliSandbox;
  before(() => {
    sb = new CliSandbox();
    sb.ok(['new', '--prefix', 'keepme', '--lifetime', '1h']);
  });
  after(() => sb.cleanup());

  const rows: Array<{ args: string[]; stderr: RegExp }> = [
    { args: ['lsit'], stderr: /^ephemdir: unknown command 'lsit' \(did you mean list\?\)$/m },
    { args: ['swep', '--dry-run'], stderr: /unknown command 'swep' \(did you mean sweep\?\)/ },
    { args: ['help', 'lsit'], stderr: /unknown command 'lsit' \(did you mean list\?\)/ },
    { args: ['frobnicate'], stderr: /unknown command 'frobnicate' \(see: ephemdir --help\)/ },
    { args: ['list', '--jsno'], stderr: /^ephemdir: list: unknown option '--jsno' \(did you mean --json\?\)$/m },
    { args: ['rm', 'keepme', '--dryrun'], stderr: /^ephemdir: rm: unknown option '--dryrun' \(did you mean --dry-run\?\)$/m },
    { args: ['rm', 'keepme', '-dry-run'], stderr: /^ephemdir: rm: unknown option '-dry-run' \(did you mean --dry-run\?\)$/m },
    { args: ['sweep', '--forc'], stderr: /unknown option '--forc' \(did you mean --force\?\)/ },
    { args: ['list', '--verbos'], stderr: /unknown option '--verbos' \(did you mean --verbose\?\)/ },
    { args: ['--verbos', 'list'], stderr: /^ephemdir: unknown option '--verbos' \(did you mean --verbose\?\)$/m },
    { args: ['--versoin'], stderr: /did you mean --version\?/ },
    { args: ['new', '--lifetme', '1h'], stderr: /unknown option '--lifetme' \(did you mean --lifetime\?\)/ },
    { args: ['list', '--frobnicate'], stderr: /unknown option '--frobnicate' \(see: ephemdir list --help\)/ },
    // An option of another command is not offered where it does not apply.
    { args: ['list', '--forc'], stderr: /unknown option '--forc' \(see: ephemdir list --help\)/ },
  ];
  for (const { args, stderr } of rows) {
    it(`ephemdir ${args.join(' ')}: exit 2, a suggestion or a pointer, nothing touched`, () => {
      const before = snapshotTree(sb.root);
      const r = sb.run(args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, stderr);
      assert.deepEqual(snapshotTree(sb.root), before);
    });
  }
});


function tracked(over: Partial<Entry> = {}, status: TrackedDirectory['status'] = 'active', note = '1h 59m left'): TrackedDirectory {
  return { entry: entry(over), status, note, remainingSeconds: 7199, exists: true };
}

const DEEP = '/home/alice/projects/some/rather/deeply/nested/project folder/build';

describe('list and tree fit the terminal', () => {
  it('elision keeps the start and (more of) the end, and never exceeds the width', () => {
    assert.equal(elideMiddle('/home/alice/work/', 40), '/home/alice/work/');
    const cut = elideMiddle(`${DEEP}/`, 20);
    assert.equal(width(cut), 20);
    assert.match(cut, /^\/home\/…|^\/home…/);
    assert.ok(cut.endsWith('folder/build/'), cut);
    assert.equal(elideEnd('#rust #build #nightly', 10), '#rust #bu…');
    for (let w = 0; w < 30; w++) {
      assert.ok(width(elideMiddle(`${DEEP}/`, w)) <= w);
      assert.ok(width(elideEnd('名前名前名前名前', w)) <= w, 'wide characters count as two');
    }
  });
  const items = [
    tracked({ tags: ['rust', 'build', 'nightly'], description: 'a long description that goes on and on beyond the width of a narrow terminal' }),
    tracked({ name: 'pristine-wasp-eb253c36569f186c', path: `${DEEP}/pristine-wasp-eb253c36569f186c`, parent: DEEP, tags: ['a', 'b'] }, 'until-restart', 'until restart'),
    tracked({ name: 'x', path: '/x', parent: '/' }, 'missing', 'missing; still tracked'),
  ];
  for (const emoji of [true, false]) {
    for (const columns of [40, 60, 80, 100, 200]) {
      it(`${emoji ? 'emoji' : 'plain'}, ${columns} columns: no line wider, name not repeated, folder elided in the middle`, () => {
        const out = renderList(items, { emoji, paint: painter(false), columns });
        for (const line of out.trimEnd().split('\n')) assert.ok(width(line) <= columns, `${width(line)} > ${columns}: ${line}`);
        const rows = out.split('\n').filter((l) => !l.startsWith('     '));
        assert.ok(!rows[0]!.includes('brave-otter-0123456789abcdef/') && !rows[0]!.includes('/work/brave'), 'the name is not repeated');
        if (columns >= 200) assert.ok(out.includes(`${DEEP}/`), 'a wide terminal shows the folder in full');
        if (columns === 80) assert.match(rows[1]!, /\/home…|\/hom…|…/);
        const tree = renderTree(items.map((tracked) => ({ tracked, size: { bytes: 4096, complete: true } })), { emoji, paint: painter(false), columns });
        for (const line of tree.trimEnd().split('\n')) assert.ok(width(line) <= columns, `tree: ${width(line)} > ${columns}: ${line}`);
      });
    }
  }
  it('without a width (piped), nothing is shortened', () => {
    const out = renderList(items, { emoji: false, paint: painter(false), columns: null });
    assert.ok(out.includes(`${DEEP}/  #a #b`));
    assert.ok(out.includes('narrow terminal\n'));
  });
  it('the built CLI: a terminal of 80 columns gets rows of at most 80; piped output is the full table', async (t) => {
    if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) {
      t.skip('script(1) is not installed (it gives the CLI a terminal)');
      return;
    }
    const sb = new CliSandbox();
    try {
      const parent = path.join(sb.work, 'some', 'rather', 'deeply', 'nested', 'project folder', 'build');
      fs.mkdirSync(parent, { recursive: true });
      sb.ok(['new', '-p', parent, '--tag', 'rust', '--tag', 'build', '--tag', 'nightly', '-l', '3d']);
      sb.ok(['new', '-l', '10m']);
      const cmd = `stty cols 80 rows 40; '${process.execPath}' '${MAIN}' list --plain`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: sb.work, env: sb.env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.replace(/\r/g, '').replace(/\x1b\[[0-9;]*m/g, '').trimEnd().split('\n');
      assert.equal(lines.length, 2, r.stdout);
      for (const line of lines) assert.ok(width(line) <= 80, `${width(line)} > 80: ${line}`);
      assert.ok(lines.some((l) => l.includes('…')), 'the deep folder is shortened');
      const piped = sb.ok(['list', '--plain']);
      assert.ok(piped.includes(`${parent}/  #rust #build #nightly`), piped);
    } finally {
      sb.cleanup();
    }
  });
  it('list --help explains every status icon and --plain tag, and the columns', () => {
    const help = spawnSync(process.execPath, [MAIN, 'list', '--help'], { encoding: 'utf8' }).stdout;
    for (const s of STATUSES) {
      assert.ok(help.includes(STATUS_STYLE[s].emoji) && help.includes(STATUS_STYLE[s].ascii) && help.includes(STATUS_LEGEND[s]), s);
    }
    assert.match(help, /Columns: status, name, time left/);
  });
});

describe('watch says what each sweep did', () => {
  const item = (p: string): SweepItem => ({ path: p, name: path.basename(p), reasons: ['expired'], blockers: [] });
  const report = (over: Partial<SweepReport>): SweepReport => ({ dryRun: false, removed: [], deferred: [], failed: [], recovered: [], postponed: 0, ...over });
  const at = new Date(2026, 10, 30, 1, 2, 3);
  it('one line: time, removed N (size), deferred N, failed N; or nothing due', () => {
    assert.equal(watchLine(at, report({}), new Map()), '2026-11-30 01:02:03 nothing due');
    const sizes = new Map([['/w/a', { bytes: 1024, complete: true }], ['/w/b', { bytes: 2048, complete: true }]]);
    assert.equal(
      watchLine(at, report({ removed: [item('/w/a'), item('/w/b')], deferred: [item('/w/c')] }), sizes),
      '2026-11-30 01:02:03 removed 2 (3.0 KiB), deferred 1, failed 0',
    );
    // Removed but not measured beforehand (it became due mid-sweep): a lower bound.
    assert.equal(watchLine(at, report({ removed: [item('/w/a'), item('/w/z')] }), sizes), '2026-11-30 01:02:03 removed 2 (≥1.0 KiB), deferred 0, failed 0');
    assert.equal(watchLine(at, report({ failed: [item('/w/a')] }), sizes), '2026-11-30 01:02:03 removed 0, deferred 0, failed 1');
    assert.equal(watchLine(at, report({ recovered: [item('/w/r')] }), sizes), '2026-11-30 01:02:03 removed 0, deferred 0, failed 0, recovered 1');
  });
  it('the built CLI writes one line per sweep, with the size removed', async () => {
    const sb = new CliSandbox();
    try {
      const due = sb.ok(['new', '--until-sweep']).trimEnd();
      fs.writeFileSync(path.join(due, 'data'), Buffer.alloc(300 * 1024));
      const child = spawn(process.execPath, [MAIN, 'watch', '--interval', '1'], { cwd: sb.work, env: sb.env });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 20_000;
      while ((stderr.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /gm) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
      const lines = stderr.split('\n').filter((l) => /^\d{4}-/.test(l));
      assert.match(lines[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d removed 1 \(300\.0 KiB\), deferred 0, failed 0$/);
      assert.match(lines[1]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d nothing due$/);
    } finally {
      sb.cleanup();
    }
  });
});
