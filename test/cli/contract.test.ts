// The command line's contract with scripts: usage errors (exit 2) for values
// that would otherwise be read as something else, JSON types as the seed
// tool's documents have them, and what a command must say on stderr.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliSandbox, snapshotTree } from '../helpers/cli-sandbox';

describe('CLI contract', () => {
  let sb: CliSandbox;
  before(() => {
    sb = new CliSandbox();
  });
  after(() => sb.cleanup());

  it('extend --forever with a duration is a usage error, never a name lookup', () => {
    const dir = sb.ok(['new', '--prefix', '2h-', '--lifetime', '1h']).trim();
    const name = path.basename(dir);
    for (const args of [['extend', '--forever', '30m'], ['extend', '--forever', '2h'], ['extend', '2h', '--forever'], ['extend', '--forever', '+1h']]) {
      const r = sb.run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /either a duration or --forever/);
    }
    const item = (JSON.parse(sb.ok(['list', '--json'])) as Array<{ name: string; expires_at: number | null }>).find((i) => i.name === name)!;
    assert.equal(typeof item.expires_at, 'number', 'the time limit is still there');
    // A name (not a duration) with --forever still works.
    sb.ok(['extend', '--forever', name]);
    sb.ok(['rm', name]);
  });

  it('a malformed --tag filter is a usage error on every command that filters', () => {
    for (const cmd of [['list'], ['tree'], ['sweep'], ['sweep', '--dry-run'], ['keep'], ['rm'], ['rm', '--dry-run'], ['new']]) {
      for (const bad of ['Nope!', '', '-x', 'a/b']) {
        const r = sb.run([...cmd, `--tag=${bad}`]);
        assert.equal(r.code, 2, `${cmd.join(' ')} --tag=${bad}: exit ${r.code} ${r.stderr}`);
        assert.match(r.stderr, /^ephemdir: [a-z]+: --tag: invalid tag/m);
        assert.equal(r.stdout, '');
      }
    }
    // A well-formed tag that matches nothing is fine.
    assert.equal(sb.run(['list', '--tag', 'nothing-here']).code, 0);
  });

  it('tree --json and list --json keep the seed tool types', () => {
    const kept = sb.ok(['new', '--lifetime', '2h', '--tag', 'types']).trim();
    const gone = sb.ok(['new', '--lifetime', '2h', '--tag', 'types']).trim();
    fs.rmSync(gone, { recursive: true });
    const tree = JSON.parse(sb.ok(['tree', '--json', '--tag', 'types'])) as Array<Record<string, unknown>>;
    assert.equal(tree.length, 2);
    for (const t of tree) {
      assert.equal(typeof t.size_complete, 'boolean', `size_complete of ${String(t.status)}`);
      assert.ok(t.size_bytes === null || Number.isInteger(t.size_bytes));
      assert.ok(Array.isArray(t.tags));
    }
    const missing = tree.find((t) => t.path === gone)!;
    assert.equal(missing.size_bytes, null);
    assert.equal(missing.size_complete, false);
    const list = JSON.parse(sb.ok(['list', '--json', '--tag', 'types'])) as Array<Record<string, unknown>>;
    for (const i of list) {
      assert.ok(Number.isInteger(i.remaining_seconds), 'remaining_seconds is an integer');
      assert.equal(typeof i.created_at, 'number');
      assert.equal(typeof i.expires_at, 'number');
      assert.equal(typeof i.remove_on_restart, 'boolean');
      assert.equal(typeof i.keep_while_in_use, 'boolean');
      assert.ok(i.description === null || typeof i.description === 'string');
      assert.ok(['present', 'missing', 'unknown'].includes(i.original_state as string));
      assert.ok(i.exists === null || typeof i.exists === 'boolean');
      assert.ok('staging_state' in i, 'staging_state is part of the contract');
    }
    const ex = JSON.parse(sb.ok(['explain', '--json', gone])) as Record<string, unknown>;
    assert.equal(typeof ex.size_complete, 'boolean');
    sb.ok(['rm', kept]);
    sb.ok(['prune']);
  });

  it('new --keep-on-restart without a lifetime says it is never cleaned up', () => {
    const r = sb.run(['new', '--keep-on-restart']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no auto-cleanup/);
    sb.ok(['rm', r.stdout.trim()]);
    for (const args of [['new', '--keep-on-restart', '--lifetime', '1h'], ['new'], ['new', '--keep-on-restart', '--max-size', '1MiB'], ['new', '--until-sweep']]) {
      const q = sb.run(args);
      assert.equal(q.code, 0, q.stderr);
      assert.doesNotMatch(q.stderr, /no auto-cleanup/, args.join(' '));
      sb.ok(['rm', q.stdout.trim()]);
    }
    // The same when config.toml supplies the settings.
    fs.mkdirSync(sb.config, { mode: 0o700 });
    fs.writeFileSync(path.join(sb.config, 'config.toml'), 'remove_on_restart = false\n', { mode: 0o600 });
    const fromConfig = sb.run(['new']);
    assert.equal(fromConfig.code, 0, fromConfig.stderr);
    assert.match(fromConfig.stderr, /no auto-cleanup/);
    sb.ok(['rm', fromConfig.stdout.trim()]);
    fs.rmSync(path.join(sb.config, 'config.toml'));
    // extend --forever on a directory kept across restarts: the same warning.
    const ext = sb.ok(['new', '--keep-on-restart', '--lifetime', '1h']).trim();
    const e = sb.run(['extend', '--forever', ext]);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stderr, /no auto-cleanup/);
    sb.ok(['rm', ext]);
    const ext2 = sb.ok(['new', '--lifetime', '1h']).trim();
    assert.doesNotMatch(sb.run(['extend', '--forever', ext2]).stderr, /no auto-cleanup/, 'until restart is still a cleanup');
    sb.ok(['rm', ext2]);
    // -q silences it like every other warning.
    const quiet = sb.run(['-q', 'new', '--keep-on-restart']);
    assert.equal(quiet.stderr, '');
    sb.ok(['rm', quiet.stdout.trim()]);
  });

  it('an empty managed directory is never over its size limit; what it holds is', () => {
    const small = sb.ok(['new', '--max-size', '1', '--tag', 'sized']).trim();
    const kib = sb.ok(['new', '--max-size', '4KiB', '--tag', 'sized']).trim();
    let r = sb.run(['sweep', '--tag', 'sized', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).removed, [], 'nothing due while empty');
    assert.ok(fs.existsSync(small) && fs.existsSync(kib));
    const tree = JSON.parse(sb.ok(['tree', '--json', '--tag', 'sized'])) as Array<{ size_bytes: number; size_complete: boolean }>;
    assert.deepEqual(tree.map((t) => [t.size_bytes, t.size_complete]), [[0, true], [0, true]], 'an empty directory measures 0 B');
    const ex = JSON.parse(sb.ok(['explain', '--json', small])) as { due: boolean; reasons: string[] };
    assert.equal(ex.due, false);
    // Content counts: 10 KB of data puts both over their limits.
    fs.writeFileSync(path.join(small, 'data'), Buffer.alloc(10_000, 1));
    fs.writeFileSync(path.join(kib, 'data'), Buffer.alloc(10_000, 1));
    r = sb.run(['sweep', '--tag', 'sized', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).removed.length, 2);
    assert.ok(!fs.existsSync(small) && !fs.existsSync(kib));
  });

  it('a refused new touches nothing: no sweep, no registry, no parent folders', async () => {
    // Something due, which a bounded sweep before creating would remove.
    const due = sb.ok(['new', '--lifetime', '1s']).trim();
    await new Promise((r) => setTimeout(r, 1_100));
    const w = sb.work;
    fs.writeFileSync(path.join(w, 'afile'), 'x');
    fs.mkdirSync(path.join(w, 'real'));
    fs.symlinkSync(path.join(w, 'real'), path.join(w, 'link'));
    fs.mkdirSync(path.join(w, 'shared'), { mode: 0o700 });
    fs.chmodSync(path.join(w, 'shared'), 0o1777);
    fs.mkdirSync(path.join(w, 'open'));
    fs.chmodSync(path.join(w, 'open'), 0o777);
    fs.mkdirSync(path.join(w, 'groupw'));
    fs.chmodSync(path.join(w, 'groupw'), 0o770);
    const refused: Array<[string[], number]> = [
      [['new', '-p', path.join(w, 'afile')], 1],
      [['new', '-p', path.join(w, 'afile', 'sub', 'deeper')], 1],
      [['new', '-p', path.join(w, 'link')], 1],
      [['new', '-p', path.join(w, 'link', 'missing')], 1],
      [['new', '-p', path.join(w, 'shared'), '--name-style', 'clean'], 1],
      [['new', '-p', path.join(w, 'open')], 1],
      [['new', '-p', path.join(w, 'open', 'missing', 'parent')], 1],
      [['new', '-p', path.join(w, 'groupw')], 1],
      [['new', '-p', path.join(w, 'new1', 'new2', 'x'.repeat(300))], 2],
      [['new', '-p', path.join(w, 'new1'), '--prefix', 'a/b'], 2],
      [['new', '-p', path.join(w, 'new1'), '--lifetime', '2x'], 2],
    ];
    for (const [args, code] of refused) {
      const before = snapshotTree(sb.root);
      const r = sb.run(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^ephemdir: new: /);
      assert.deepEqual(snapshotTree(sb.root), before, `${args.join(' ')} changed the file system or the registry`);
    }
    assert.ok(fs.existsSync(due), 'no sweep ran');
    // The same call that succeeds creates the missing parents.
    const made = sb.ok(['new', '-p', path.join(w, 'new1', 'new2')]).trim();
    assert.equal(path.dirname(made), path.join(w, 'new1', 'new2'));
    assert.equal(fs.existsSync(due), false, 'the bounded sweep ran this time');
    sb.ok(['rm', made]);
  });

  it('corrupt or unsafe entry files are reported by list, tree, sweep, path and doctor', () => {
    const ids: string[] = [];
    const entryFile = (dir: string): string => {
      const files = fs.readdirSync(path.join(sb.data, 'registry.d', 'entries'), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.json'))
        .map((f) => path.join(sb.data, 'registry.d', 'entries', f));
      const mine = files.find((f) => JSON.parse(fs.readFileSync(f, 'utf8')).path === dir)!;
      ids.push(path.basename(mine, '.json'));
      return mine;
    };
    const good = sb.ok(['new', '--prefix', 'qq-', '--lifetime', '1h']).trim();
    const corrupt = entryFile(sb.ok(['new', '--prefix', 'qq-', '--lifetime', '1h']).trim());
    const loose = entryFile(sb.ok(['new', '--lifetime', '1h']).trim());
    fs.writeFileSync(corrupt, '{"not": "an entry"');
    fs.chmodSync(loose, 0o660);
    const mentionsBoth = (text: string, what: string) => {
      for (const id of ids) assert.match(text, new RegExp(id), `${what} names ${id}: ${text}`);
    };
    for (const args of [['list'], ['list', '--json'], ['tree'], ['tree', '--json'], ['sweep', '--dry-run'], ['sweep', '--json']]) {
      const r = sb.run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      mentionsBoth(r.stderr, args.join(' '));
      assert.match(r.stderr, /set aside/);
      if (args.includes('--json')) JSON.parse(r.stdout);
    }
    const sweepJson = JSON.parse(sb.ok(['sweep', '--json'])) as { quarantined: Array<{ id: string; file: string; reason: string }> };
    assert.deepEqual(sweepJson.quarantined.map((q) => q.id).sort(), [...ids].sort());
    for (const q of sweepJson.quarantined) assert.ok(q.file.endsWith(`${q.id}.json`) && q.reason.length > 0);
    // path: the readable match is printed, the unusable candidate is reported.
    const p = sb.run(['path', 'qq-']);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim(), good);
    assert.match(p.stderr, new RegExp(`${ids[0]}.*set aside`));
    for (const args of [['path'], ['last']]) {
      const n = sb.run(args);
      assert.equal(n.code, 0, n.stderr);
      mentionsBoth(n.stderr, args.join(' '));
    }
    // doctor fails its registry check and lists them.
    const d = sb.run(['doctor']);
    assert.equal(d.code, 1);
    mentionsBoth(d.stdout, 'doctor');
    const dj = JSON.parse(sb.run(['doctor', '--json']).stdout) as Array<{ name: string; ok: boolean; quarantined?: Array<{ id: string }> }>;
    const reg = dj.find((c) => c.name === 'registry')!;
    assert.equal(reg.ok, false);
    assert.deepEqual(reg.quarantined!.map((q) => q.id).sort(), [...ids].sort());
    fs.rmSync(corrupt);
    fs.rmSync(loose);
  });
});
