// install-service / uninstall-service through the built CLI, with HOME and
// XDG_CONFIG_HOME in a scratch folder. systemctl --user usually cannot run
// here (no user session), so the file-level paths use --no-enable /
// --no-disable; the units are checked with systemd-analyze verify.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MAIN, runtimeTrusted } from '../helpers/cli';

const LINUX = process.platform === 'linux';
const ANALYZE = LINUX && spawnSync('systemd-analyze', ['--version']).status === 0;

describe('install-service / uninstall-service', { skip: (!LINUX && 'systemd units: Linux only') || (!runtimeTrusted() && 'the checkout is under a folder others can write') }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let unitDir: string;
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], { env: { ...env, ...extra }, cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const listUnits = () => (fs.existsSync(unitDir) ? fs.readdirSync(unitDir).sort() : []);

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-svc-'));
    fs.mkdirSync(path.join(dir, 'home'));
    env = {
      PATH: process.env.PATH,
      HOME: path.join(dir, 'home'),
      XDG_CONFIG_HOME: path.join(dir, 'home', '.config'),
      EPHEMDIR_DATA_DIR: path.join(dir, 'pinned data'),
      EPHEMDIR_CONFIG_DIR: path.join(dir, 'pinned-config'),
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
      XDG_RUNTIME_DIR: path.join(dir, 'no-runtime'),
    };
    unitDir = path.join(dir, 'home', '.config', 'systemd', 'user');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--dry-run prints the units and writes nothing', () => {
    const r = run(['install-service', '--dry-run', '--interval', '15m']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^OnUnitActiveSec=900$/m);
    assert.match(r.stdout, /EPHEMDIR_DATA_DIR=.*pinned data/);
    assert.deepEqual(listUnits(), []);
  });

  it('--no-enable writes the units into XDG_CONFIG_HOME/systemd/user (not under EPHEMDIR_CONFIG_DIR), and they verify', () => {
    const r = run(['install-service', '--no-enable', '--interval', '300']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n'), [path.join(unitDir, 'ephemdir-sweep.service'), path.join(unitDir, 'ephemdir-sweep.timer')]);
    assert.deepEqual(listUnits(), ['ephemdir-sweep.service', 'ephemdir-sweep.timer']);
    assert.ok(!fs.existsSync(path.join(dir, 'systemd')), 'nothing beside EPHEMDIR_CONFIG_DIR');
    assert.match(r.stderr, /loginctl enable-linger/);
    const service = fs.readFileSync(path.join(unitDir, 'ephemdir-sweep.service'), 'utf8');
    assert.match(service, /^WorkingDirectory=\/$/m);
    assert.ok(service.includes(`"EPHEMDIR_DATA_DIR=${env.EPHEMDIR_DATA_DIR}"`), 'data folder pinned (quoted: it has a space)');
    assert.ok(service.includes(`EPHEMDIR_CONFIG_DIR=${env.EPHEMDIR_CONFIG_DIR}`));
    assert.ok(service.includes(fs.realpathSync(MAIN)));
    assert.equal(fs.statSync(path.join(unitDir, 'ephemdir-sweep.service')).mode & 0o777, 0o644);
    assert.equal(fs.statSync(unitDir).mode & 0o022, 0);
  });

  it('systemd-analyze verify accepts the units', { skip: !ANALYZE && 'systemd-analyze not installed' }, () => {
    const runtime = fs.mkdtempSync(path.join(dir, 'rt-'));
    const files = [path.join(unitDir, 'ephemdir-sweep.service'), path.join(unitDir, 'ephemdir-sweep.timer')];
    const sys = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
    assert.equal(sys.status, 0, sys.stderr);
    assert.equal(sys.stderr, '');
    const user = spawnSync('systemd-analyze', ['--user', 'verify', ...files], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
    if (!/Failed to (initialize manager|lookup RuntimeDirectory)/.test(user.stderr)) assert.equal(user.status, 0, user.stderr);
  });

  it('the unit runs the sweep with the pinned folders', () => {
    const line = fs.readFileSync(path.join(unitDir, 'ephemdir-sweep.service'), 'utf8').match(/^ExecStart=(.*)$/m)![1]!;
    // Run the ExecStart line as systemd would (its words are shell-compatible here).
    const r = spawnSync('sh', ['-c', line.replace(/\$\$/g, '$').replace(/%%/g, '%')], { cwd: '/', encoding: 'utf8', env: {} });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /swept 0 directories/);
  });

  it('without --no-enable: a clear error when systemctl --user cannot run, files left consistent', (t) => {
    const r = run(['install-service']);
    // A real user session enabled the units for real (uninstall below disables them): nothing to check here.
    if (r.code === 0) return t.skip('systemctl --user works in this session, so enabling cannot fail');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ephemdir: install-service: the unit files are installed, but enabling them failed: systemctl/m);
    assert.match(r.stderr, /systemctl --user enable --now ephemdir-sweep.timer/);
    assert.deepEqual(listUnits(), ['ephemdir-sweep.service', 'ephemdir-sweep.timer']);
    const u = run(['uninstall-service']);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /--no-disable/);
    assert.deepEqual(listUnits(), ['ephemdir-sweep.service', 'ephemdir-sweep.timer'], 'left in place');
  });

  it('uninstall removes exactly what was installed (and the enable link), nothing else', () => {
    fs.writeFileSync(path.join(unitDir, 'other.service'), '[Service]\nExecStart=/bin/true\n');
    fs.mkdirSync(path.join(unitDir, 'timers.target.wants'));
    fs.symlinkSync(path.join(unitDir, 'ephemdir-sweep.timer'), path.join(unitDir, 'timers.target.wants', 'ephemdir-sweep.timer'));
    fs.symlinkSync('/elsewhere/x.timer', path.join(unitDir, 'timers.target.wants', 'x.timer'));
    const r = run(['uninstall-service', '--no-disable']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(listUnits(), ['other.service', 'timers.target.wants']);
    assert.deepEqual(fs.readdirSync(path.join(unitDir, 'timers.target.wants')), ['x.timer']);
    const again = run(['uninstall-service', '--no-disable']);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /no scheduled service is installed/);
  });

  it('a unit file ephemdir did not write is never overwritten or removed', () => {
    fs.writeFileSync(path.join(unitDir, 'ephemdir-sweep.timer'), '[Timer]\nOnCalendar=daily\n');
    const i = run(['install-service', '--no-enable']);
    assert.equal(i.code, 1);
    assert.match(i.stderr, /not written by ephemdir/);
    assert.equal(fs.readFileSync(path.join(unitDir, 'ephemdir-sweep.timer'), 'utf8'), '[Timer]\nOnCalendar=daily\n');
    const u = run(['uninstall-service', '--no-disable']);
    assert.equal(u.code, 1);
    assert.ok(fs.existsSync(path.join(unitDir, 'ephemdir-sweep.timer')));
    fs.unlinkSync(path.join(unitDir, 'ephemdir-sweep.timer'));
  });

  it('the enable link is removed through the unit folder, never through a symlinked timers.target.wants', () => {
    const xdg = path.join(dir, 'wants-config');
    const units = path.join(xdg, 'systemd', 'user');
    const i = run(['install-service', '--no-enable'], { XDG_CONFIG_HOME: xdg });
    assert.equal(i.code, 0, i.stderr);
    const elsewhere = path.join(dir, 'elsewhere-wants');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(path.join(units, 'ephemdir-sweep.timer'), path.join(elsewhere, 'ephemdir-sweep.timer'));
    fs.symlinkSync(elsewhere, path.join(units, 'timers.target.wants'));
    const r = run(['uninstall-service', '--no-disable'], { XDG_CONFIG_HOME: xdg });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(elsewhere), ['ephemdir-sweep.timer'], 'the link behind the symlinked folder is left');
    assert.deepEqual(fs.readdirSync(units), ['timers.target.wants']);
  });

  it('refuses a unit folder reached through a symlink or writable by others', () => {
    const real = path.join(dir, 'real-config');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(dir, 'linked-config'));
    const r = run(['install-service', '--no-enable'], { XDG_CONFIG_HOME: path.join(dir, 'linked-config') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /symlink/);
    assert.deepEqual(fs.readdirSync(real), []);
    const open = path.join(dir, 'open-config');
    fs.mkdirSync(path.join(open, 'systemd', 'user'), { recursive: true });
    fs.chmodSync(path.join(open, 'systemd'), 0o777);
    const w = run(['install-service', '--no-enable'], { XDG_CONFIG_HOME: open });
    assert.equal(w.code, 1);
    assert.match(w.stderr, /writable/);
  });
});
