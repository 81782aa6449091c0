// The completion install lines that `ephemdir completion --help` prints, run
// as a user on a fresh account (useradd -m: no ~/.zfunc, no ~/.zshrc, no
// ~/.config/fish) in a real terminal (tmux, through `su -`), then a new
// shell: TAB must turn `ephemdir li` into `ephemdir list`. The CLI is staged
// where that user can reach it (the checkout may sit in a 0700 folder).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/cli';
import { stageForOtherUsers } from '../helpers/stage';
import { usersUnavailable } from '../helpers/users';
import { underTsx } from '../helpers/race';

const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

function unavailable(): string | null {
  const users = usersUnavailable();
  if (users) return users;
  if (!has('tmux', ['-V'])) return 'tmux is not installed';
  if (!has('su', ['--version'])) return 'su is not installed';
  if (!fs.existsSync('/usr/bin/node') && !process.execPath.startsWith('/usr/')) return 'node is not where another user can run it';
  return null;
}

const SKIP = unavailable();

/** The install lines for one shell, as `completion --help` prints them (the lines whose command mentions it). */
function installLines(bin: string, shell: 'zsh' | 'fish'): string[] {
  const r = spawnSync(bin, ['completion', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const examples = r.stdout.slice(r.stdout.indexOf('\nExamples:\n'));
  const lines = examples.split('\n').slice(2).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const mine = lines.filter((l) => l.includes(shell === 'zsh' ? 'zsh' : 'fish'));
  assert.ok(mine.length > 0, `completion --help shows how to install for ${shell}:\n${r.stdout}`);
  return mine;
}

describe('completion install lines on a fresh account, in a real terminal', { skip: SKIP ?? false }, () => {
  let dir: string;
  let sock: string;
  let bin: string;
  const users: string[] = [];
  const tmux = (...args: string[]) => spawnSync('tmux', ['-S', sock, ...args], { encoding: 'utf8' });
  const screen = (s: string) => tmux('capture-pane', '-p', '-t', s).stdout;
  const waitFor = async (session: string, re: RegExp, what: string): Promise<string> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const text = screen(session);
      if (re.test(text)) return text;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; screen:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /**
   * Types a line, then a marker echo as the next command, and waits for the
   * marker: the line has run (with `exec`, in the new shell that replaced it).
   */
  const type = async (session: string, line: string) => {
    const mark = `DONE${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
    tmux('send-keys', '-t', session, '-l', line);
    tmux('send-keys', '-t', session, 'Enter');
    tmux('send-keys', '-t', session, '-l', `echo ${mark}`);
    tmux('send-keys', '-t', session, 'Enter');
    await waitFor(session, new RegExp(`^${mark}\\s*$`, 'm'), `\`${line}\` to finish`);
  };
  const freshUser = (shell: string): { name: string; home: string } => {
    const name = `ephc${crypto.randomBytes(3).toString('hex')}`;
    const r = spawnSync('useradd', ['--create-home', '--shell', shell, name], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    users.push(name);
    const home = spawnSync('sh', ['-c', `getent passwd ${name} | cut -d: -f6`], { encoding: 'utf8' }).stdout.trim();
    return { name, home };
  };

  before(() => {
    const stage = stageForOtherUsers();
    dir = fs.mkdtempSync('/tmp/ephemdir-compl-');
    fs.chmodSync(dir, 0o755);
    sock = path.join(dir, 'tmux.sock');
    bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { mode: 0o755 });
    const main = underTsx
      ? stage.path(path.join(repoRoot(), 'src', 'cli', 'main.ts'))
      : stage.path(path.join(repoRoot(), '.test-dist', 'src', 'cli', 'main.js'));
    const flags = stage.nodeFlags.map((f) => `'${f}'`).join(' ');
    fs.writeFileSync(path.join(bin, 'ephemdir'), `#!/bin/sh\nexec '${process.execPath}' ${flags} '${main}' "$@"\n`, { mode: 0o755 });
  });
  after(() => {
    tmux('kill-server');
    for (const u of users) {
      spawnSync('userdel', ['--remove', u], { stdio: 'ignore' });
      // fish's runtime folder when XDG_RUNTIME_DIR is unset (`su -` clears it): /tmp/fish.<user>.
      fs.rmSync(path.join('/tmp', `fish.${u}`), { recursive: true, force: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('zsh: the printed lines make `ephemdir li<TAB>` complete to `list` in a new shell', async () => {
    const u = freshUser('/bin/zsh');
    assert.ok(!fs.existsSync(path.join(u.home, '.zfunc')) && !fs.existsSync(path.join(u.home, '.zshrc')), 'a fresh account');
    const started = tmux('new-session', '-d', '-s', 'z', '-x', '160', '-y', '40', `su - ${u.name} -s /bin/zsh`);
    assert.equal(started.status, 0, started.stderr);
    // A new zsh user with no startup files is greeted by zsh-newuser-install; q leaves it as it is.
    const first = await waitFor('z', /zsh-newuser-install|[%#$>] *$/m, 'the first prompt');
    if (/zsh-newuser-install/.test(first)) tmux('send-keys', '-t', 'z', 'q');
    await type('z', `export PATH=${bin}:$PATH`);
    for (const line of installLines(path.join(bin, 'ephemdir'), 'zsh')) await type('z', line);
    await type('z', 'exec zsh');
    await type('z', 'clear');
    tmux('send-keys', '-t', 'z', '-l', 'ephemdir li');
    tmux('send-keys', '-t', 'z', 'Tab');
    await waitFor('z', /ephemdir list/, 'TAB to complete `ephemdir li` to `ephemdir list`');
    tmux('send-keys', '-t', 'z', 'C-u');
    // Both commands that start with l are offered.
    tmux('send-keys', '-t', 'z', '-l', 'ephemdir l');
    tmux('send-keys', '-t', 'z', 'Tab');
    const offered = await waitFor('z', /^last\b[\s\S]*^list\b/m, 'TAB to offer last and list');
    assert.match(offered, /tracked directories with status/);
  });

  it('fish: the printed lines make `ephemdir li<TAB>` complete to `list` in a new shell', async () => {
    const u = freshUser('/usr/bin/fish');
    const started = tmux('new-session', '-d', '-s', 'f', '-x', '160', '-y', '40', `su - ${u.name} -s /usr/bin/fish`);
    assert.equal(started.status, 0, started.stderr);
    await waitFor('f', /> *$/m, 'the first prompt');
    await type('f', `set -gx PATH ${bin} $PATH`);
    for (const line of installLines(path.join(bin, 'ephemdir'), 'fish')) await type('f', line);
    assert.ok(fs.existsSync(path.join(u.home, '.config', 'fish', 'completions', 'ephemdir.fish')), 'the script was saved');
    await type('f', 'exec fish');
    await type('f', 'clear');
    tmux('send-keys', '-t', 'f', '-l', 'ephemdir li');
    tmux('send-keys', '-t', 'f', 'Tab');
    await waitFor('f', /ephemdir list/, 'TAB to complete `ephemdir li` to `ephemdir list`');
  });
});
