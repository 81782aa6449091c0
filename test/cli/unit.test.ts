// Unit tests of the CLI's pure parts: parsing, colour, formatting, JSON
// mapping, escaping, service unit rendering, runtime verification.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseCommand, splitGlobal, defaultGlobals } from '../../src/cli/args';
import { canShowEmoji, painter, shouldColor } from '../../src/cli/color';
import { isCommandName, loadCommand, visibleCommands } from '../../src/cli/commands/index';
import { UsageError } from '../../src/cli/io';
import { renderList, renderTree, subtotal, formatMeasured, width } from '../../src/cli/format';
import { listItemJson, stringify, statsJson, sweepJson, treeItemJson } from '../../src/cli/json';
import { sanitize } from '../../src/cli/errors';
import { buildOptions, type NewOptions } from '../../src/cli/commands/new';
import { dryRunLine, parseInterval } from '../../src/cli/sweeping';
import { cronLine, OWNER_MARK } from '../../src/cli/service/units';
import { renderService, renderTimer, systemdWord } from '../../src/cli/service/schedulers/systemd';
import { renderPlist } from '../../src/cli/service/schedulers/launchd';
import { schedulerFor } from '../../src/cli/service/schedulers';
import { checkChain, objectProblem, verifyRuntime } from '../../src/cli/service/verify';
import { commandHelp, mainHelp } from '../../src/cli/help';
import type { TrackedDirectory } from '../../src/api/types';
import type { Status } from '../../src/policy/status';
import type { Entry } from '../../src/model/entry';
import { cliEntry as entry } from '../helpers/entry';


function tracked(over: Partial<Entry> = {}, status: Status = 'active', note = '1h 59m left'): TrackedDirectory {
  return { entry: entry(over), status, note, remainingSeconds: 7199, exists: true };
}

const spec = (name: string) => {
  assert.ok(isCommandName(name), name);
  return loadCommand(name);
};
/** `new`'s arguments parsed into its typed options. */
const newOptions = (args: string[]) => parseCommand(spec('new'), args, defaultGlobals()).opts as unknown as NewOptions;

describe('argument parsing', () => {
  it('global flags before the command, and among its options', () => {
    const s = splitGlobal(['-vv', '--color', 'never', 'list', '--json']);
    assert.equal(s.command, 'list');
    assert.equal(s.globals.verbosity, 2);
    assert.equal(s.globals.colorMode, 'never');
    const g = defaultGlobals();
    const p = parseCommand(spec('list'), ['--json', '-q', '--color=always'], g);
    assert.equal(p.opts.json, true);
    assert.equal(g.verbosity, -1);
    assert.equal(g.colorMode, 'always');
  });

  it('unknown options, missing values, bad choices and extra arguments are usage errors', () => {
    const bad: Array<[string, string[], RegExp]> = [
      ['sweep', ['--forc'], /unknown option '--forc'/],
      ['new', ['--lifetime'], /needs a value/],
      ['new', ['--cleanup', 'never'], /--cleanup must be one of auto, next-sweep/],
      ['list', ['x'], /too many arguments/],
      ['recover', [], /missing argument/],
      ['list', ['--json=yes'], /takes no value/],
    ];
    for (const [cmd, args, re] of bad) {
      assert.throws(() => parseCommand(spec(cmd), args, defaultGlobals()), (e: unknown) => e instanceof UsageError && re.test(e.message), `${cmd} ${args.join(' ')}`);
    }
    assert.throws(() => splitGlobal(['--colour', 'x']), UsageError);
    assert.throws(() => splitGlobal(['--color', 'sometimes', 'list']), /auto, always, never/);
  });

  it('-- ends options so a name may start with a dash', () => {
    const p = parseCommand(spec('rm'), ['--', '-odd'], defaultGlobals());
    assert.deepEqual(p.positionals, ['-odd']);
  });

  it('new: flags map onto tempdir options; conflicts and bad values fail before any I/O', () => {
    const v = newOptions(['-l', '2h', '--keep-on-restart', '--no-keep-while-in-use', '--tag', 'a', '--tag', 'b', '--desc', 'd', '--words', '3', '-p', '/x', '--max-size', '2GiB']);
    assert.deepEqual(buildOptions(v), {
      lifetime: '2h',
      removeOnRestart: false,
      keepWhileInUse: false,
      tags: ['a', 'b'],
      description: 'd',
      words: 3,
      parent: '/x',
      maxSize: '2GiB',
    });
    const until = newOptions(['--until-sweep']);
    assert.deepEqual(buildOptions(until), { cleanup: 'next-sweep' });
    const force = newOptions(['--remove-on-restart', '--keep-while-in-use']);
    assert.deepEqual(buildOptions(force), { removeOnRestart: true, keepWhileInUse: true });
    for (const args of [['--keep-on-restart', '--remove-on-restart'], ['--words', 'x'], ['--until-sweep', '--cleanup', 'auto']]) {
      assert.throws(() => buildOptions(newOptions(args)), UsageError);
    }
    assert.throws(() => buildOptions(newOptions(['-l', '2x'])), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  });

  it('--interval takes seconds or a duration, at least 1s', () => {
    assert.equal(parseInterval(undefined), 600);
    assert.equal(parseInterval('90'), 90);
    assert.equal(parseInterval('10m'), 600);
    assert.throws(() => parseInterval('0'), UsageError);
    assert.throws(() => parseInterval('500ms'), UsageError);
  });
});

describe('help', () => {
  it('lists every visible command and each command documents its flags', () => {
    const text = mainHelp();
    for (const c of visibleCommands()) {
      assert.match(text, new RegExp(`  ${c.name} `));
      const h = commandHelp(c);
      for (const o of Object.keys(c.options)) assert.ok(h.includes(`--${o}`), `${c.name} --help shows --${o}`);
    }
    assert.ok(!text.includes('__complete'));
  });
});

describe('colour and emoji', () => {
  it('auto: only on a terminal and without NO_COLOR; always/never win', () => {
    assert.equal(shouldColor('auto', { isTTY: true }, {}), true);
    assert.equal(shouldColor('auto', { isTTY: false }, {}), false);
    assert.equal(shouldColor('auto', { isTTY: true }, { NO_COLOR: '' }), false);
    assert.equal(shouldColor('always', { isTTY: false }, { NO_COLOR: '1' }), true);
    assert.equal(shouldColor('never', { isTTY: true }, {}), false);
    assert.equal(painter(true)('red', 'x'), '\x1b[31mx\x1b[0m');
    assert.equal(painter(false)('red', 'x'), 'x');
  });
  it('emoji follow the locale encoding', () => {
    assert.equal(canShowEmoji({ LANG: 'en_US.UTF-8' }), true);
    assert.equal(canShowEmoji({ LC_ALL: 'C', LANG: 'en_US.UTF-8' }), false);
    assert.equal(canShowEmoji({}), false);
    assert.equal(canShowEmoji({ LANG: 'C.utf8', TERM: 'linux' }), false);
  });
});

describe('list and tree rendering', () => {
  const plain = { emoji: false, paint: painter(false) };
  it('aligns columns, shows tags and a description line', () => {
    const out = renderList(
      [
        tracked({ tags: ['rust', 'build'], description: 'cargo bench' }),
        tracked({ name: 'x-0123456789abcdef', path: '/w/x-0123456789abcdef', parent: '/w', expiresAt: null }, 'until-restart', 'until restart'),
      ],
      plain,
    );
    // The folder column is the parent: the name is not repeated in it.
    assert.equal(
      out,
      '[ok]   brave-otter-0123456789abcdef  1h 59m left    /work/  #rust #build\n' +
        '     cargo bench\n' +
        '[boot] x-0123456789abcdef            until restart  /w/\n',
    );
    assert.match(renderList([tracked()], { emoji: true, paint: painter(false) }), /^\u{1F7E2} brave/u);
  });
  it('escapes hostile names, paths, tags and descriptions', () => {
    const out = renderList([tracked({ name: 'a\x1b[2Jb', path: '/t\u202e/a\x1b[2Jb', parent: '/t\u202e', description: 'x\ny' })], plain);
    assert.ok(!/[\x1b\u202e]/.test(out));
    assert.match(out, /a\\x1b\[2Jb/);
    assert.match(out, /\\u\{202e\}/);
    assert.match(out, /x\\x0ay/);
  });
  it('tree: subtotals are lower bounds when a child is unmeasured or partial', () => {
    assert.equal(subtotal([]), null);
    assert.deepEqual(subtotal([{ bytes: 1, complete: true }, null]), { bytes: 1, complete: false });
    assert.equal(formatMeasured({ bytes: 2048, complete: false }), '≥2.0 KiB');
    assert.equal(formatMeasured(null), '?');
    const out = renderTree(
      [
        { tracked: tracked(), size: { bytes: 4096, complete: true } },
        { tracked: tracked({ name: 'a-0123456789abcdef', path: '/work/a-0123456789abcdef' }, 'missing', 'missing'), size: null },
      ],
      plain,
    );
    assert.equal(out, '/work/  ≥4.0 KiB\n  |- [miss] a-0123456789abcdef            ?\n  `- [ok]   brave-otter-0123456789abcdef  4.0 KiB\n');
  });
  it('width counts emoji as two columns', () => {
    assert.equal(width('\u{1F7E2}'), 2);
    assert.equal(width('\u26A0\uFE0F'), 2);
    assert.equal(width('abc'), 3);
  });
});

describe('JSON documents', () => {
  it('list items use the reference snake_case keys', () => {
    const j = listItemJson(tracked({ tags: ['t'] }));
    assert.deepEqual(Object.keys(j).slice(0, 16), [
      'path', 'name', 'status', 'lifecycle_state', 'exists', 'original_state', 'staging_path', 'staging_state', 'created_at',
      'expires_at', 'remaining_seconds', 'remove_on_restart', 'keep_while_in_use', 'tags', 'description', 'parent',
    ]);
    assert.equal(j.created_at, 1_800_000_000.5);
    assert.equal(j.original_state, 'present');
  });
  it('tree, stats and sweep', () => {
    assert.deepEqual(treeItemJson(tracked(), { bytes: 5, complete: false }), {
      path: '/work/brave-otter-0123456789abcdef', name: 'brave-otter-0123456789abcdef', parent: '/work',
      status: 'active', size_bytes: 5, size_complete: false, tags: [],
    });
    assert.deepEqual(statsJson({ created: 1, swept: 2, kept: 3, removed: 4, currentlyTracked: 5 }), {
      created: 1, swept: 2, kept: 3, removed: 4, currently_tracked: 5,
    });
    const s = sweepJson({
      dryRun: false,
      removed: [{ path: '/a', name: 'a', reasons: ['expired'], blockers: [] }],
      deferred: [{ path: '/b', name: 'b', reasons: ['expired'], blockers: ['in-use'] }],
      failed: [{ path: '/c', name: 'c', reasons: ['expired'], blockers: [], error: { code: 'EACCES', message: 'no' } }],
      recovered: [],
      postponed: 0,
    });
    assert.equal(s.ok, false);
    assert.deepEqual((s.failed as unknown[])[0], { path: '/c', name: 'c', reasons: ['expired'], blockers: [], error: { code: 'EACCES', message: 'no' } });
    assert.equal(dryRunLine({ path: '/b', name: 'b', reasons: ['expired'], blockers: ['in-use'] }, 'blocked'), '/b: blocked; due=True; reasons=expired; blockers=in-use\n');
  });
  it('stringify escapes terminal-active code points but round-trips', () => {
    const v = { p: 'a\x1b\u009b\u202e\u2028z' };
    const text = stringify(v);
    assert.ok(!/[\x1b\u009b\u202e\u2028]/.test(text));
    assert.deepEqual(JSON.parse(text), v);
  });
  it('sanitize keeps messages readable', () => {
    assert.equal(sanitize("no match for 'a\x1bb'"), "no match for 'a\\x1bb'");
    assert.equal(sanitize('C:\\path'), 'C:\\path');
  });
});

describe('service units', () => {
  const input = {
    node: '/usr/bin/node',
    main: '/opt/ephemdir/dist/cli/main.js',
    env: '/usr/bin/env',
    dataDir: '/home/al ice/.local/share/ephemdir',
    configDir: '/home/al%ice/cfg',
    interval: 600,
  };
  it('quotes ExecStart words the way systemd reads them', () => {
    assert.equal(systemdWord('/usr/bin/node'), '/usr/bin/node');
    assert.equal(systemdWord('a b'), '"a b"');
    assert.equal(systemdWord('50%'), '"50%%"');
    assert.equal(systemdWord('$HOME'), '"$$HOME"');
    assert.equal(systemdWord('x"y\\z'), '"x\\"y\\\\z"');
    assert.equal(systemdWord('a\nb'), '"a\\x0ab"');
  });
  it('the service runs the sweep from / through env -i with the folders pinned', () => {
    const s = renderService(input);
    assert.ok(s.startsWith(`# ${OWNER_MARK}\n`));
    assert.match(s, /^WorkingDirectory=\/$/m);
    assert.match(s, /^Type=oneshot$/m);
    assert.match(
      s,
      /^ExecStart=\/usr\/bin\/env -i PATH=\/usr\/bin:\/bin:\/usr\/sbin:\/sbin "EPHEMDIR_DATA_DIR=\/home\/al ice\/.local\/share\/ephemdir" "EPHEMDIR_CONFIG_DIR=\/home\/al%%ice\/cfg" \/usr\/bin\/node \/opt\/ephemdir\/dist\/cli\/main.js sweep --log-summary$/m,
    );
  });
  it('a metrics file goes into the sweep command of the unit, the plist and the cron line, quoted', () => {
    const metricsFile = '/var/lib/node exporter/100%$x.prom';
    assert.match(renderService({ ...input, metricsFile }), / sweep --log-summary --metrics-file "\/var\/lib\/node exporter\/100%%\$\$x.prom"$/m);
    assert.match(renderPlist({ ...input, metricsFile }), /<string>--log-summary<\/string>\n {4}<string>--metrics-file<\/string>\n {4}<string>\/var\/lib\/node exporter\/100%\$x.prom<\/string>/);
    assert.match(cronLine({ ...input, metricsFile }), / --metrics-file '\/var\/lib\/node exporter\/100\\%\$x.prom'$/);
  });
  it('the timer fires after startup and every interval; no Persistent= on a monotonic timer', () => {
    const t = renderTimer({ interval: 900 });
    assert.match(t, /^OnStartupSec=/m);
    assert.match(t, /^OnUnitActiveSec=900$/m);
    assert.doesNotMatch(t, /Persistent/);
    assert.match(t, /^WantedBy=timers.target$/m);
  });
  it('the plist escapes XML and carries the same environment', () => {
    const p = renderPlist({ ...input, dataDir: '/a&<b>' });
    assert.match(p, /<string>\/a&#38;&#60;b&#62;<\/string>/);
    assert.match(p, /<key>RunAtLoad<\/key>\n {2}<true\/>/);
    assert.match(p, /<key>StartInterval<\/key>\n {2}<integer>600<\/integer>/);
    if (spawnSync('plutil', ['-help']).status === 0) {
      // macOS: the plist must lint
      const f = path.join(os.tmpdir(), `ephemdir-plist-${process.pid}.plist`);
      fs.writeFileSync(f, p);
      assert.equal(spawnSync('plutil', ['-lint', f]).status, 0);
      fs.unlinkSync(f);
    }
  });
  it('cron line', () => {
    assert.equal(
      cronLine(input),
      "*/10 * * * * cd / && env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin EPHEMDIR_DATA_DIR='/home/al ice/.local/share/ephemdir' EPHEMDIR_CONFIG_DIR='/home/al\\%ice/cfg' /usr/bin/node /opt/ephemdir/dist/cli/main.js sweep -q",
    );
  });
  it('units go under XDG_CONFIG_HOME or ~/.config, never under EPHEMDIR_CONFIG_DIR', () => {
    const unitDir = (env: NodeJS.ProcessEnv, platform: 'linux' | 'darwin') => schedulerFor(platform).unitDir(env);
    assert.equal(unitDir({ HOME: '/h', EPHEMDIR_CONFIG_DIR: '/elsewhere/cfg' }, 'linux'), '/h/.config/systemd/user');
    assert.equal(unitDir({ HOME: '/h', XDG_CONFIG_HOME: '/x' }, 'linux'), '/x/systemd/user');
    assert.equal(unitDir({ HOME: '/h', XDG_CONFIG_HOME: 'relative' }, 'linux'), '/h/.config/systemd/user');
    assert.equal(unitDir({ HOME: '/h' }, 'darwin'), '/h/Library/LaunchAgents');
  });
});

describe('runtime verification for install-service', () => {
  it('objectProblem: owner and write bits', () => {
    assert.equal(objectProblem({ uid: 0, mode: 0o100755 }, 1000), null);
    assert.equal(objectProblem({ uid: 1000, mode: 0o040700 }, 1000), null);
    assert.match(objectProblem({ uid: 1001, mode: 0o100755 }, 1000)!, /owned by uid 1001/);
    assert.match(objectProblem({ uid: 0, mode: 0o041777 }, 1000)!, /writable by every user \(mode 1777\)/);
    assert.match(objectProblem({ uid: 1000, mode: 0o100664 }, 1000)!, /writable by its group/);
  });
  it('refuses a package tree with a file others can write, naming it', () => {
    // A private base (the home directory) when it is safe; /tmp itself is world-writable.
    const uid0 = process.geteuid!();
    const base = checkChain(os.homedir(), uid0, 'home') === null ? os.homedir() : os.tmpdir();
    const root = fs.mkdtempSync(path.join(base, '.ephemdir-verify-'));
    try {
      fs.chmodSync(root, 0o755);
      fs.writeFileSync(path.join(root, 'package.json'), '{"name":"ephemdir","dependencies":{}}');
      fs.mkdirSync(path.join(root, 'dist', 'cli'), { recursive: true });
      fs.writeFileSync(path.join(root, 'dist', 'cli', 'main.js'), '');
      const uid = process.geteuid!();
      if (base !== os.tmpdir()) assert.doesNotThrow(() => verifyRuntime({ node: process.execPath, env: null, root }, uid));
      fs.chmodSync(path.join(root, 'dist', 'cli', 'main.js'), 0o666);
      assert.throws(
        () => verifyRuntime({ node: process.execPath, env: null, root }, uid),
        (e: Error) => /the ephemdir package: .*main\.js is writable by every user/.test(e.message),
      );
      // /tmp itself is world-writable: a package under it is refused even though sticky.
      assert.throws(
        () => verifyRuntime({ node: process.execPath, env: null, root: path.join(os.tmpdir()) }, uid),
        /writable by every user/,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
