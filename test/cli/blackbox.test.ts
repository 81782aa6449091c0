// Black-box tests of the built command line: `node dist/cli/main.js` run as a
// user would, with EPHEMDIR_DATA_DIR / EPHEMDIR_CONFIG_DIR in scratch folders.
// Build first: npm run compile.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MAIN } from '../helpers/cli';
import { CliSandbox, type CliResult } from '../helpers/cli-sandbox';

type Result = CliResult;
const Sandbox = CliSandbox;
type Sandbox = CliSandbox;

const ERROR_LINE = /^ephemdir: [a-z-]+: \S/;

function assertNoStack(r: Result): void {
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `stack trace in stderr: ${r.stderr}`);
}

describe('ephemdir CLI (black box)', () => {
  let sb: Sandbox;
  before(() => {
    sb = new Sandbox();
  });
  after(() => sb.cleanup());

  it('--version and --help', () => {
    assert.match(sb.ok(['--version']), /^ephemdir \d+\.\d+\.\d+\n$/);
    const help = sb.ok(['--help']);
    for (const cmd of ['new', 'list', 'tree', 'path', 'last', 'keep', 'extend', 'rm', 'sweep', 'prune', 'recover', 'explain', 'stats', 'doctor', 'watch', 'install-service', 'uninstall-service', 'shell-init', 'completion', 'menu']) {
      assert.match(help, new RegExp(`^  ${cmd} `, 'm'), `help lists ${cmd}`);
      const r = sb.run([cmd, '--help']);
      assert.equal(r.code, 0, `${cmd} --help`);
      assert.match(r.stdout, new RegExp(`^usage: ephemdir ${cmd}`));
      assert.equal(r.stderr, '');
    }
  });

  it('usage errors exit 2 with the uniform message', () => {
    for (const args of [[], ['frobnicate'], ['sweep', '--forc'], ['list', 'extra'], ['recover'], ['new', '--words', 'two'], ['--color', 'sometimes', 'list'], ['new', '--lifetime', '2x'], ['new', '--max-size', 'lots'], ['new', '--keep-on-restart', '--remove-on-restart'], ['watch', '--interval', '0'], ['shell-init', 'tcsh']]) {
      const r = sb.run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '', `${args.join(' ')} printed data`);
      assertNoStack(r);
      if (args.length) assert.match(r.stderr, /^ephemdir: /);
    }
    assert.match(sb.run(['sweep', '--forc']).stderr, /^ephemdir: sweep: unknown option '--forc'/);
    assert.match(sb.run(['lst']).stderr, /did you mean last or list\?/);
  });

  it('an empty registry: list says so on stderr, JSON is []', () => {
    const r = sb.run(['list']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no tracked directories/);
    assert.deepEqual(JSON.parse(sb.ok(['list', '--json'])), []);
    assert.equal(sb.run(['list', '-q']).stderr, '');
    assert.deepEqual(JSON.parse(sb.ok(['stats', '--json'])), { created: 0, swept: 0, kept: 0, removed: 0, currently_tracked: 0 });
    const last = sb.run(['last']);
    assert.equal(last.code, 1);
    assert.match(last.stderr, ERROR_LINE);
  });

  it('new prints only the path; list/path/last/explain/stats agree', () => {
    const p = sb.ok(['new', '--lifetime', '2h', '--tag', 'build', '--desc', 'cargo bench']).trimEnd();
    assert.ok(path.isAbsolute(p));
    assert.equal(path.dirname(p), sb.work);
    assert.ok(fs.statSync(p).isDirectory());
    const name = path.basename(p);
    const items = JSON.parse(sb.ok(['list', '--json'])) as Array<Record<string, unknown>>;
    const mine = items.find((i) => i.path === p)!;
    for (const k of ['path', 'name', 'status', 'created_at', 'expires_at', 'remaining_seconds', 'remove_on_restart', 'keep_while_in_use', 'tags', 'description', 'lifecycle_state', 'exists']) {
      assert.ok(k in mine, `list --json has ${k}`);
    }
    assert.equal(mine.name, name);
    assert.equal(mine.status, 'active');
    assert.deepEqual(mine.tags, ['build']);
    assert.equal(mine.description, 'cargo bench');
    assert.equal(typeof mine.created_at, 'number');
    assert.ok(Math.abs((mine.created_at as number) - Date.now() / 1000) < 60, 'created_at in Unix seconds');
    assert.ok((mine.remaining_seconds as number) > 7000 && (mine.remaining_seconds as number) <= 7200);
    assert.equal(sb.ok(['path', name]), `${p}\n`);
    assert.equal(sb.ok(['path', name.slice(0, name.length - 4)]), `${p}\n`);
    assert.equal(sb.ok(['path', p]), `${p}\n`);
    assert.deepEqual(JSON.parse(sb.ok(['path', '--json', name])), { path: p, name });
    assert.deepEqual(JSON.parse(sb.ok(['last', '--json'])), { path: p, name });
    const human = sb.ok(['list', '--plain']);
    // The folder it is in (its parent), not the name again; piped output is never shortened.
    const folder = `${path.dirname(p)}/`;
    assert.match(human, new RegExp(`^\\[ok\\]\\s+${name}\\s+1h 59m left\\s+${folder.replace(/[/.]/g, '\\$&')}  #build\\n     cargo bench\\n`, 'm'));
    const explained = JSON.parse(sb.ok(['explain', '--json', name])) as Record<string, unknown>;
    for (const k of ['path', 'name', 'status', 'due', 'destructive_allowed', 'remaining_seconds', 'size_bytes', 'max_size_bytes', 'reasons', 'blocked_by', 'decision', 'tags', 'description']) {
      assert.ok(k in explained, `explain --json has ${k}`);
    }
    assert.equal(explained.due, false);
    assert.match(sb.ok(['explain', name]), /kept for now \(1h 59m left\)/);
    const stats = JSON.parse(sb.ok(['stats', '--json'])) as Record<string, number>;
    assert.ok(stats.created! >= 1 && stats.currently_tracked! >= 1);
  });

  it('emoji on a UTF-8 locale, ASCII otherwise and with --plain; colour only when asked', () => {
    sb.ok(['new']);
    const utf8 = { LANG: 'C.UTF-8' };
    assert.match(sb.ok(['list'], { env: utf8 }), /^\u{1F504} /mu);
    assert.match(sb.ok(['list', '--plain'], { env: utf8 }), /^\[boot\] /m);
    assert.match(sb.ok(['list'], { env: { LANG: 'C' } }), /^\[boot\] /m);
    assert.doesNotMatch(sb.ok(['list']), /\x1b\[/, 'no colour when piped');
    assert.match(sb.ok(['--color', 'always', 'list']), /\x1b\[36m/);
    assert.match(sb.ok(['list', '--color=always'], { env: { NO_COLOR: '1' } }), /\x1b\[/, 'always beats NO_COLOR');
    assert.doesNotMatch(sb.ok(['list', '--color', 'never']), /\x1b\[/);
    assert.doesNotMatch(sb.ok(['list', '--json', '--color', 'always']), /\x1b\[/, 'JSON is never coloured');
  });

  it('prefix ambiguity fails with the candidates; unknown names fail with exit 1', () => {
    const a = sb.ok(['new', '--prefix', 'amb']).trimEnd();
    const b = sb.ok(['new', '--prefix', 'amb']).trimEnd();
    const r = sb.run(['path', 'amb']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ephemdir: path: /);
    assert.ok(r.stderr.includes(a) && r.stderr.includes(b), r.stderr);
    assertNoStack(r);
    const rm = sb.run(['rm', 'amb']);
    assert.equal(rm.code, 1);
    assert.ok(fs.existsSync(a) && fs.existsSync(b), 'nothing removed on ambiguity');
    const missing = sb.run(['keep', 'no-such-directory']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, ERROR_LINE);
  });

  it('standing inside a tracked directory: path/explain/extend/keep/rm use it; elsewhere they fail closed', () => {
    const p = sb.ok(['new', '--lifetime', '1h']).trimEnd();
    const sub = path.join(p, 'deep', 'er');
    fs.mkdirSync(sub, { recursive: true });
    assert.equal(sb.ok(['path'], { cwd: sub }), `${p}\n`);
    assert.match(sb.ok(['explain'], { cwd: sub }), new RegExp(path.basename(p)));
    sb.ok(['extend', '+1h'], { cwd: sub });
    const after1 = (JSON.parse(sb.ok(['list', '--json'])) as Array<Record<string, number | string>>).find((i) => i.path === p)!;
    assert.ok((after1.remaining_seconds as number) > 7000, 'extend +1h adds to the current expiry');
    sb.ok(['extend', '30m'], { cwd: sub });
    const after2 = (JSON.parse(sb.ok(['list', '--json'])) as Array<Record<string, number | string>>).find((i) => i.path === p)!;
    assert.ok((after2.remaining_seconds as number) <= 1800, 'extend 30m is counted from now');
    sb.ok(['extend', '--forever'], { cwd: sub });
    const after3 = (JSON.parse(sb.ok(['list', '--json'])) as Array<Record<string, unknown>>).find((i) => i.path === p)!;
    assert.equal(after3.expires_at, null);

    const outside = fs.mkdtempSync(path.join(sb.root, 'plain-'));
    for (const cmd of [['rm'], ['keep'], ['explain'], ['extend', '1h']]) {
      const r = sb.run(cmd, { cwd: outside });
      assert.equal(r.code, 1, `${cmd.join(' ')} outside: ${r.stderr}`);
      assert.match(r.stderr, /not inside a tracked ephemdir directory/);
    }
    // A forged marker: fail closed, never fall back to the newest.
    const forged = fs.mkdtempSync(path.join(sb.root, 'forged-'));
    fs.writeFileSync(path.join(forged, '.ephemdir'), `${'a'.repeat(32)}\n`);
    for (const cmd of [['rm'], ['path'], ['keep']]) {
      const r = sb.run(cmd, { cwd: forged });
      assert.equal(r.code, 1, `${cmd.join(' ')} in a forged dir`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /refusing to guess/);
    }
    const rm = sb.run(['rm'], { cwd: sub });
    assert.equal(rm.code, 0, rm.stderr);
    assert.ok(!fs.existsSync(p));
  });

  it('keep untracks but leaves the directory; rm --dry-run removes nothing; rm --tag and keep --tag batch', () => {
    const k = sb.ok(['new']).trimEnd();
    assert.equal(sb.ok(['keep', path.basename(k)]), `${k}\n`);
    assert.ok(fs.existsSync(k));
    assert.ok(!fs.existsSync(path.join(k, '.ephemdir')));
    const t1 = sb.ok(['new', '--tag', 'batch']).trimEnd();
    const t2 = sb.ok(['new', '--tag', 'batch', '--tag', 'x']).trimEnd();
    const dry = sb.run(['rm', '--tag', 'batch', '--dry-run']);
    assert.equal(dry.code, 0);
    assert.deepEqual(dry.stdout.trimEnd().split('\n').sort(), [t1, t2].sort());
    assert.ok(fs.existsSync(t1) && fs.existsSync(t2));
    assert.equal(sb.run(['rm', '--dry-run', path.basename(t1)]).stdout, `${t1}\n`);
    assert.equal(sb.run(['rm', 'name', '--tag', 'batch']).code, 2);
    sb.ok(['rm', '--tag', 'batch', '--tag', 'x']);
    assert.ok(fs.existsSync(t1) && !fs.existsSync(t2), 'tags combine with AND');
    sb.ok(['keep', '--tag', 'batch']);
    assert.ok(fs.existsSync(t1));
    assert.equal((JSON.parse(sb.ok(['list', '--json', '--tag', 'batch'])) as unknown[]).length, 0);
  });

  it('rm --dry-run picks by the same rule as rm: an interrupted deletion is not a target', () => {
    const parked = sb.ok(['new', '--prefix', 'dryj-']).trimEnd();
    // Park it as an interrupted deletion (the registry's own file, edited as a crash would leave it).
    const entries = path.join(sb.data, 'registry.d', 'entries');
    const file = fs
      .readdirSync(entries)
      .flatMap((shard) => fs.readdirSync(path.join(entries, shard)).map((f) => path.join(entries, shard, f)))
      .find((f) => (JSON.parse(fs.readFileSync(f, 'utf8')) as { path: string }).path === parked)!;
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), state: 'recovery' }), { mode: 0o600 });
    for (const args of [['rm', '--dry-run', 'dryj-'], ['rm', 'dryj-']]) {
      const r = sb.run(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /no tracked directory matches 'dryj-'/);
    }
    const active = sb.ok(['new', '--prefix', 'dryj-']).trimEnd();
    assert.equal(sb.run(['rm', '--dry-run', 'dryj-']).stdout, `${active}\n`, 'the active one, as rm picks it');
    sb.ok(['rm', 'dryj-']);
    assert.ok(!fs.existsSync(active) && fs.existsSync(parked));
    sb.ok(['recover', '--forget', path.basename(parked)]);
  });

  it('sweep: dry-run lines, --json report, exit 0 when nothing failed', () => {
    using s = new Sandbox();
    const due = s.ok(['new', '--until-sweep']).trimEnd();
    const keepMe = s.ok(['new', '--lifetime', '1h']).trimEnd();
    const dry = s.run(['sweep', '--dry-run']);
    assert.equal(dry.code, 0);
    assert.equal(dry.stdout, `${due}: due; due=True; reasons=next-sweep; blockers=none\n`);
    assert.match(dry.stderr, /would sweep 1 directory/);
    assert.ok(fs.existsSync(due));
    const report = JSON.parse(s.ok(['sweep', '--json'])) as Record<string, unknown>;
    assert.equal(report.dry_run, false);
    assert.deepEqual((report.removed as Array<{ path: string }>).map((i) => i.path), [due]);
    assert.deepEqual(report.failed, []);
    assert.ok(Array.isArray(report.deferred));
    assert.ok(!fs.existsSync(due) && fs.existsSync(keepMe));
    const again = s.run(['sweep']);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /swept 0 directories/);
    assert.equal(s.run(['sweep', '-q']).stderr, '');
  });

  it('sweep exits 1 when a due directory could not be removed; deferred is not failure', { skip: process.getuid?.() === 0 ? false : 'needs chattr (root)' }, (t) => {
    using s = new Sandbox();
    const due = s.ok(['new', '--until-sweep']).trimEnd();
    fs.mkdirSync(path.join(due, 'sub'));
    fs.writeFileSync(path.join(due, 'sub', 'pinned'), 'x');
    const chattr = spawnSync('chattr', ['+i', path.join(due, 'sub', 'pinned')], { encoding: 'utf8' });
    if (chattr.status !== 0) return t.skip(`this filesystem has no immutable flag (chattr +i: ${chattr.stderr.trim() || chattr.error?.message})`);
    try {
      const r = s.run(['sweep', '--json']);
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout) as { failed: Array<{ path: string; error: { code: string; message: string } }> };
      assert.equal(report.failed.length, 1);
      assert.equal(typeof report.failed[0]!.error.message, 'string');
      assert.match(r.stderr, /^ephemdir: sweep: could not remove /m);
    } finally {
      spawnSync('chattr', ['-R', '-i', s.root]);
    }
    const busy = s.ok(['new', '--lifetime', '1s', '--keep-while-in-use']).trimEnd();
    void busy;
  });

  it('tree groups by parent with sizes; --json shape', () => {
    using s = new Sandbox();
    const other = path.join(s.root, 'other');
    fs.mkdirSync(other);
    const a = s.ok(['new']).trimEnd();
    fs.writeFileSync(path.join(a, 'blob'), Buffer.alloc(10_000));
    const b = s.ok(['new', '--parent', other]).trimEnd();
    const tree = JSON.parse(s.ok(['tree', '--json'])) as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(tree[0]!).sort(), ['name', 'parent', 'path', 'size_bytes', 'size_complete', 'status', 'tags']);
    const ta = tree.find((t) => t.path === a)!;
    assert.ok((ta.size_bytes as number) >= 10_000);
    assert.equal(tree.find((t) => t.path === b)!.parent, other);
    const human = s.ok(['tree', '--plain']);
    assert.match(human, new RegExp(`^${other.replace(/[/.]/g, '\\$&')}/  `, 'm'));
    assert.match(human, /^ {2}`- \[boot\] /m);
  });

  it('new --json reports the directory; the config can be overridden from the command line', () => {
    using s = new Sandbox();
    fs.mkdirSync(s.env.EPHEMDIR_CONFIG_DIR!, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(s.env.EPHEMDIR_CONFIG_DIR!, 'config.toml'), 'remove_on_restart = false\nkeep_while_in_use = true\n', { mode: 0o600 });
    const j = JSON.parse(s.ok(['new', '--json', '--remove-on-restart', '--no-keep-while-in-use'])) as Record<string, unknown>;
    assert.equal(typeof j.path, 'string');
    assert.equal(typeof j.created_at, 'number');
    assert.ok('sweep' in j);
    const item = (JSON.parse(s.ok(['list', '--json'])) as Array<Record<string, unknown>>)[0]!;
    assert.equal(item.remove_on_restart, true);
    assert.equal(item.keep_while_in_use, false);
    const plain = JSON.parse(s.ok(['new', '--json'])) as Record<string, unknown>;
    const item2 = (JSON.parse(s.ok(['list', '--json'])) as Array<Record<string, unknown>>).find((i) => i.path === plain.path)!;
    assert.equal(item2.remove_on_restart, false, 'config applies when no flag is given');
  });

  it('hostile names and paths are escaped in human output, raw in data', () => {
    using s = new Sandbox();
    // Control characters never reach the registry: refused as invalid input, and the message is escaped.
    const evil = path.join(s.root, 'evil\x1b[31mred\nline');
    fs.mkdirSync(evil);
    const refused = s.run(['new', '--parent', evil]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(refused.stdout, '');
    assert.ok(!/[\x1b]/.test(refused.stderr) && refused.stderr.trimEnd().split('\n').length === 1, JSON.stringify(refused.stderr));
    assertNoStack(refused);
    // Format characters (bidi override, zero-width space) and backslashes are stored but escaped on output.
    const hostile = path.join(s.root, 'rtl\u202eoverride\u200bzw\\bs');
    fs.mkdirSync(hostile);
    const p = s.ok(['new', '--parent', hostile, '--desc', 'plain']).replace(/\n$/, '');
    assert.equal(path.dirname(p), hostile, 'piped data is the raw path');
    const human = s.ok(['list', '--plain']);
    assert.ok(!/[\u202e\u200b]/.test(human), 'no raw format characters');
    assert.ok(human.includes('rtl\\u{202e}override\\u{200b}zw\\\\bs'), human);
    assert.ok(!/[\u202e\u200b]/.test(s.ok(['tree'])));
    assert.ok(!/[\u202e\u200b]/.test(s.ok(['explain', path.basename(p)])));
    const json = s.ok(['list', '--json']);
    assert.ok(!/[\u202e\u200b]/.test(json), 'JSON escapes them as \\uXXXX');
    assert.equal((JSON.parse(json) as Array<{ path: string }>)[0]!.path, p, 'and round-trips');
    const err = s.run(['path', 'nope\x1b]0;pwned\x07']);
    assert.equal(err.code, 1);
    assert.ok(!err.stderr.includes('\x1b') && !err.stderr.includes('\x07'), JSON.stringify(err.stderr));
  });

  it('prune, recover and a missing directory', () => {
    using s = new Sandbox();
    const p = s.ok(['new']).trimEnd();
    spawnSync('rm', ['-rf', p]);
    const item = (JSON.parse(s.ok(['list', '--json'])) as Array<Record<string, unknown>>)[0]!;
    assert.equal(item.status, 'missing');
    assert.equal(item.exists, false);
    const r = s.run(['prune']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /pruned 1 entry \(directory missing or replaced\)\n/);
    assert.deepEqual(JSON.parse(s.ok(['list', '--json'])), []);
    const rec = s.run(['recover', 'nothing-here']);
    assert.equal(rec.code, 1);
    assert.match(rec.stderr, ERROR_LINE);
    assert.equal(s.run(['recover', 'x', '--forget', '--retry']).code, 2);
  });

  it('prune forgets a directory replaced by another at its path, and its help says so', () => {
    using s = new Sandbox();
    const p = s.ok(['new']).trimEnd();
    spawnSync('rm', ['-rf', p]);
    spawnSync('mkdir', [p]);
    const item = (JSON.parse(s.ok(['list', '--json'])) as Array<Record<string, unknown>>)[0]!;
    assert.equal(item.status, 'replaced');
    const r = s.run(['prune']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /forgot tracked directory \(missing or replaced\): /);
    assert.deepEqual(JSON.parse(s.ok(['list', '--json'])), []);
    assert.ok(fs.existsSync(p), 'the other directory is left alone');
    assert.match(s.ok(['prune', '--help']), /missing from disk or were replaced by another directory/);
  });

  it('doctor --json lists checks with name/ok/message/hint', () => {
    const r = sb.run(['doctor', '--json']);
    const checks = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    for (const c of checks) assert.deepEqual(Object.keys(c).sort(), ['hint', 'message', 'name', 'ok']);
    const names = checks.map((c) => c.name);
    for (const n of ['platform', 'addon', 'data-dir', 'config-dir', 'registry', 'service']) assert.ok(names.includes(n), n);
    assert.equal(r.code, checks.every((c) => c.ok) ? 0 : 1);
  });

  it('a closed pipe ends quietly', () => {
    using s = new Sandbox();
    for (let i = 0; i < 40; i++) s.ok(['new', '--desc', `d${i}`]);
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${MAIN}" list --plain | head -1`], {
      cwd: s.work,
      env: s.env,
      encoding: 'utf8',
    });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.split('\n').length, 2);
    assert.equal(r.status, 0);
  });

  it('watch sweeps, then stops on SIGINT with exit 0', async () => {
    using s = new Sandbox();
    const due = s.ok(['new', '--until-sweep']).trimEnd();
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [MAIN, 'watch', '--interval', '1h'], { cwd: s.work, env: s.env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 15_000;
    while (fs.existsSync(due) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!fs.existsSync(due), 'the first sweep ran');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0);
    assert.match(stderr, /stopped/);
  });

  it('menu without a terminal fails on stderr with exit 2', () => {
    const r = sb.run(['menu']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ephemdir: menu: menu needs an interactive terminal/);
  });
});
