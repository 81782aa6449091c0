// install-service / uninstall-service with launchd (macOS), through the built
// CLI. Off macOS the child is told it is darwin by redefining process.platform
// before anything loads; launchctl is then missing, so only the file-level
// paths (--dry-run, --no-enable, --no-disable) and the "not found" error
// are exercised. Also: on an unsupported platform both commands refuse and
// write nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MAIN, runtimeTrusted } from '../helpers/cli';
import { scratch } from '../helpers/scratch';
import { renderPlist } from '../../src/cli/service/schedulers/launchd';
import { schedulerFor } from '../../src/cli/service/schedulers';
import { SUPPORTED_PLATFORMS } from '../../src/core/platform';

const work = scratch('svc-launchd');
after(() => work.cleanup());

function preload(platform: string): string {
  const file = path.join(work.dir, `as-${platform}.js`);
  fs.writeFileSync(file, `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} });\n`);
  return file;
}

function cli(platform: string, home: string, args: string[]) {
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    EPHEMDIR_DATA_DIR: path.join(home, 'pinned data'),
    EPHEMDIR_CONFIG_DIR: path.join(home, 'pinned-config'),
  };
  const r = spawnSync(process.execPath, ['-r', preload(platform), MAIN, ...args], { env, cwd: work.dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the schedulers behind one interface', () => {
  it('each renders exactly the files it names, and its main file is one of them', () => {
    const input = { node: '/n', main: '/m/main.js', env: '/usr/bin/env', dataDir: '/d', configDir: '/c', interval: 60 };
    for (const platform of SUPPORTED_PLATFORMS) {
      const s = schedulerFor(platform);
      assert.deepEqual(s.render(input).map(([name]) => name), [...s.files], platform);
      assert.ok(s.files.includes(s.mainFile), platform);
      assert.ok(path.isAbsolute(s.unitDir({ HOME: '/h' })), platform);
    }
  });
});

describe('install-service with launchd', { skip: !runtimeTrusted() && 'the checkout is under a folder others can write' }, () => {
  let home: string;
  let agents: string;
  let plist: string;
  before(() => {
    home = path.join(work.dir, 'home');
    fs.mkdirSync(home);
    agents = path.join(home, 'Library', 'LaunchAgents');
    plist = path.join(agents, 'dev.ephemdir.sweep.plist');
  });

  it('--dry-run prints the agent exactly and writes nothing', () => {
    const r = cli('darwin', home, ['install-service', '--dry-run', '--interval', '15m']);
    assert.equal(r.code, 0, r.stderr);
    const text = renderPlist({
      node: fs.realpathSync(process.execPath),
      main: fs.realpathSync(MAIN),
      dataDir: path.join(home, 'pinned data'),
      configDir: path.join(home, 'pinned-config'),
      interval: 900,
    });
    assert.equal(r.stdout, `# ${plist}\n${text}`);
    assert.equal(fs.existsSync(path.join(home, 'Library')), false);
  });

  it('--no-enable writes the plist into ~/Library/LaunchAgents and says how to load it', () => {
    const r = cli('darwin', home, ['install-service', '--no-enable']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${plist}\n`);
    assert.deepEqual(fs.readdirSync(agents), ['dev.ephemdir.sweep.plist']);
    assert.equal(fs.statSync(plist).mode & 0o777, 0o644);
    assert.match(fs.readFileSync(plist, 'utf8'), /<integer>600<\/integer>/);
    assert.match(r.stderr, /^wrote the launchd agent: sweep every 600s, and after login$/m);
    assert.ok(r.stderr.includes(`not loaded (--no-enable); to start it: launchctl bootstrap gui/${process.getuid!()} ${plist}\n`), r.stderr);
    assert.doesNotMatch(r.stderr, /linger|systemctl/);
  });

  it('loading without launchctl fails clearly and leaves the plist', { skip: fs.existsSync('/bin/launchctl') && 'launchctl is installed: it would load the agent for real' }, () => {
    const r = cli('darwin', home, ['install-service']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the unit files are installed, but enabling them failed: launchctl not found/);
    assert.match(r.stderr, /load it with launchctl bootstrap when logged in to the GUI session/);
    assert.deepEqual(fs.readdirSync(agents), ['dev.ephemdir.sweep.plist']);
  });

  it('uninstall removes the plist (an unloaded agent is no error), then finds nothing', () => {
    const r = cli('darwin', home, ['uninstall-service', ...(fs.existsSync('/bin/launchctl') ? ['--no-disable'] : [])]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${plist}\n`);
    assert.deepEqual(fs.readdirSync(agents), []);
    const again = cli('darwin', home, ['uninstall-service', '--no-disable']);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /no scheduled service is installed/);
  });
});

describe('install-service on an unsupported platform', () => {
  for (const platform of ['win32', 'freebsd']) {
    it(`${platform}: both commands refuse with the platform error and write nothing`, () => {
      const home = path.join(work.dir, `home-${platform}`);
      fs.mkdirSync(home);
      for (const args of [['install-service', '--no-enable'], ['install-service', '--dry-run'], ['uninstall-service', '--no-disable']]) {
        const r = cli(platform, home, args);
        assert.equal(r.code, 1, args.join(' '));
        assert.match(r.stderr, new RegExp(`ephemdir supports Linux and macOS only \\(this is ${platform}\\)`), args.join(' '));
        assert.equal(r.stdout, '');
      }
      assert.deepEqual(fs.readdirSync(home), []);
    });
  }
});
