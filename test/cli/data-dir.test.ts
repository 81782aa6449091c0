// `--data-dir DIR` on the command line: a global option (before or after the
// command, `--data-dir=DIR`, relative to the current directory) that every
// command touching the registry honours, and that keeps the two registries
// apart both ways. An untrusted DIR is refused by every such command, and
// nothing is touched. Runs the built CLI (node dist/cli/main.js).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliSandbox, snapshotTree } from '../helpers/cli-sandbox';
import { Registry } from '../../src/store/registry';

const sb = new CliSandbox();
after(() => sb.cleanup());

const OWN = path.join(sb.root, 'own');
let serial = 0;

/** Creates a directory through the CLI, in OWN (`own`) or the default registry; returns its path. */
function made(own: boolean, lifetime = '1h'): string {
  const args = ['new', '--lifetime', lifetime, '--prefix', `c${serial++}-`];
  return sb.ok(own ? ['--data-dir', OWN, ...args] : args).trim();
}

/** The tracked paths of a registry, as `list --json` shows them. */
function listed(own: boolean): string[] {
  const out = sb.ok(own ? ['list', '--json', '--data-dir', OWN] : ['list', '--json']);
  return (JSON.parse(out) as Array<{ path: string }>).map((e) => e.path);
}

/** The flags that pick a registry: OWN in one of the spellings, or none (the default). */
const SPELLINGS = [
  (args: string[]) => ['--data-dir', OWN, ...args],
  (args: string[]) => [...args, '--data-dir', OWN],
  (args: string[]) => [`--data-dir=${OWN}`, ...args],
];
const pick = (own: boolean, args: string[]) => (own ? SPELLINGS[serial % SPELLINGS.length]!(args) : args);

interface Row {
  command: string;
  /** `own`: the registry the directory `mine` is in; the command runs once on the other registry, then on its own. */
  check(own: boolean): void;
}

const name = (p: string) => path.basename(p);

const ROWS: Row[] = [
  {
    command: 'new',
    check(own) {
      const p = made(own);
      assert.ok(listed(own).includes(p));
      assert.ok(!listed(!own).includes(p));
    },
  },
  {
    command: 'list / tree',
    check(own) {
      const p = made(own);
      for (const cmd of ['list', 'tree']) {
        assert.ok(sb.ok(pick(own, [cmd, '--plain'])).includes(name(p)), cmd);
        assert.ok(!sb.ok(pick(!own, [cmd, '--plain'])).includes(name(p)), cmd);
      }
    },
  },
  {
    command: 'path / last',
    check(own) {
      const p = made(own);
      assert.notEqual(sb.run(pick(!own, ['path', name(p)])).code, 0);
      assert.equal(sb.ok(pick(own, ['path', name(p)])).trim(), p);
      assert.equal(sb.ok(pick(own, ['path']), { cwd: p }).trim(), p, 'the directory you stand in');
      assert.notEqual(sb.run(pick(!own, ['path']), { cwd: p }).code, 0);
      assert.equal(sb.ok(pick(own, ['last'])).trim(), p);
      assert.notEqual(sb.ok(pick(!own, ['last'])).trim(), p);
    },
  },
  {
    command: 'keep',
    check(own) {
      const p = made(own);
      assert.notEqual(sb.run(pick(!own, ['keep', name(p)])).code, 0);
      assert.ok(listed(own).includes(p));
      sb.ok(pick(own, ['keep', name(p)]));
      assert.ok(!listed(own).includes(p) && fs.existsSync(p));
      fs.rmSync(p, { recursive: true });
    },
  },
  {
    command: 'extend',
    check(own) {
      const p = made(own);
      assert.notEqual(sb.run(pick(!own, ['extend', name(p), '5h'])).code, 0);
      sb.ok(pick(own, ['extend', name(p), '5h']));
      const entry = (JSON.parse(sb.ok(pick(own, ['list', '--json']))) as Array<{ path: string; remaining_seconds: number }>).find((e) => e.path === p)!;
      assert.ok(entry.remaining_seconds > 4 * 3600);
    },
  },
  {
    command: 'rm',
    check(own) {
      const p = made(own);
      assert.notEqual(sb.run(pick(!own, ['rm', name(p)])).code, 0);
      assert.ok(fs.existsSync(p));
      sb.ok(pick(own, ['rm', name(p)]));
      assert.ok(!fs.existsSync(p) && !listed(own).includes(p));
    },
  },
  {
    command: 'explain',
    check(own) {
      const p = made(own);
      assert.notEqual(sb.run(pick(!own, ['explain', name(p)])).code, 0);
      assert.equal((JSON.parse(sb.ok(pick(own, ['explain', '--json', name(p)]))) as { path: string }).path, p);
    },
  },
  {
    command: 'sweep',
    check(own) {
      const p = made(own, '1s');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_100);
      sb.ok(pick(!own, ['sweep']));
      assert.ok(fs.existsSync(p), 'not swept by the other registry');
      const report = JSON.parse(sb.ok(pick(own, ['sweep', '--json']))) as { removed: Array<{ path: string }> };
      assert.ok(report.removed.some((i) => i.path === p));
      assert.ok(!fs.existsSync(p));
    },
  },
  {
    command: 'prune',
    check(own) {
      const p = made(own);
      fs.rmSync(p, { recursive: true });
      sb.ok(pick(!own, ['prune']));
      assert.ok(listed(own).includes(p), 'not forgotten by the other registry');
      sb.ok(pick(own, ['prune']));
      assert.ok(!listed(own).includes(p));
    },
  },
  {
    command: 'recover',
    check(own) {
      const p = made(own);
      using registry = Registry.open({ create: false, dataDir: own ? OWN : sb.data })!;
      const id = registry.list().entries.find((e) => e.path === p)!.id;
      registry.update(id, (cur) => ({ entry: { ...cur!, state: 'recovery', lastError: 'parked by the test' }, result: undefined }));
      assert.notEqual(sb.run(pick(!own, ['recover', '--forget', name(p)])).code, 0);
      assert.ok(listed(own).includes(p));
      sb.ok(pick(own, ['recover', '--forget', name(p)]));
      assert.ok(!listed(own).includes(p));
      fs.rmSync(p, { recursive: true });
    },
  },
  {
    command: 'stats',
    check(own) {
      const count = (o: boolean) => (JSON.parse(sb.ok(pick(o, ['stats', '--json']))) as { created: number }).created;
      const [mine, theirs] = [count(own), count(!own)];
      made(own);
      assert.equal(count(own), mine + 1);
      assert.equal(count(!own), theirs);
      assert.match(sb.ok(pick(own, ['stats', '--format', 'prometheus'])), new RegExp(`ephemdir_created_directories_total ${mine + 1}\\b`));
    },
  },
  {
    command: 'doctor',
    check(own) {
      const checks = JSON.parse(sb.ok(pick(own, ['doctor', '--json']))) as Array<{ name: string; message: string }>;
      const dir = checks.find((c) => c.name === 'data-dir')!.message;
      assert.ok(dir.startsWith(own ? OWN : sb.data), dir);
      const tracked = listed(own).length;
      assert.match(checks.find((c) => c.name === 'registry')!.message, new RegExp(`; ${tracked} tracked`));
    },
  },
  {
    command: 'install-service --dry-run',
    check(own) {
      const units = sb.ok(pick(own, ['install-service', '--dry-run']));
      assert.match(units, new RegExp(`EPHEMDIR_DATA_DIR=${own ? OWN : sb.data}\\b`), 'the registry it would sweep is pinned');
    },
  },
];

describe('--data-dir: every registry command uses DIR and only DIR', () => {
  for (const row of ROWS) {
    for (const own of [true, false]) {
      it(`${row.command}: a directory of ${own ? '--data-dir' : 'the default registry'} is seen only there`, () => row.check(own));
    }
  }

  it('a relative --data-dir is taken from the current directory', () => {
    const p = sb.ok(['new', '--data-dir', 'rel-registry', '--lifetime', '1h']).trim();
    assert.ok(fs.existsSync(path.join(sb.work, 'rel-registry', 'registry.d')));
    assert.ok(sb.ok(['list', '--plain', '--data-dir', path.join(sb.work, 'rel-registry')]).includes(name(p)));
  });

  it('a missing or empty value is a usage error (exit 2)', () => {
    for (const args of [['list', '--data-dir'], ['--data-dir'], ['--data-dir=', 'list'], ['list', '--data-dir', '']]) {
      const r = sb.run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /--data-dir/);
    }
  });

  it('--help lists --data-dir among the global options', () => {
    assert.match(sb.ok(['--help']), /--data-dir DIR/);
    assert.match(sb.ok(['sweep', '--help']), /--data-dir DIR/);
  });
});

describe('an untrusted --data-dir is refused by every registry command, and nothing is touched', () => {
  const bad = path.join(sb.root, 'bad');
  fs.mkdirSync(bad, { mode: 0o700 });
  fs.chmodSync(bad, 0o770);
  const target = made(false);
  const COMMANDS = [
    ['new'],
    ['list'],
    ['tree'],
    ['path', name(target)],
    ['last'],
    ['keep', name(target)],
    ['extend', name(target), '2h'],
    ['rm', name(target)],
    ['sweep', '--force'],
    ['prune'],
    ['recover', name(target)],
    ['explain', name(target)],
    ['stats'],
  ];
  for (const dir of [bad, path.join(bad, 'missing')]) {
    it(`${path.relative(sb.root, dir)}`, () => {
      for (const args of COMMANDS) {
        const before = snapshotTree(sb.root);
        const r = sb.run(['--data-dir', dir, ...args]);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /registry at .*bad.* cannot be used: .*group\/world-writable/, args.join(' '));
        assert.deepEqual(snapshotTree(sb.root), before, `${args.join(' ')} changed something`);
      }
      assert.ok(fs.existsSync(target));
    });
  }
});
