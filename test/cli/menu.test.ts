// `ephemdir menu` driven through a real terminal (tmux): keep, extend,
// remove and cd, checked against the registry afterwards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MAIN } from '../helpers/cli';

const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

describe('menu in a real terminal (tmux)', { skip: !HAVE_TMUX && 'tmux not installed' }, () => {
  let dir: string;
  let sock: string;
  let env: NodeJS.ProcessEnv;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-S', sock, ...args], { encoding: 'utf8' });
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], { env, cwd: path.join(dir, 'work'), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const screen = (session = 'menu') => tmux('capture-pane', '-p', '-t', session).stdout;
  const waitFor = async (re: RegExp, what: string, session = 'menu') => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const text = screen(session);
      if (re.test(text)) return text;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; screen:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-menu-'));
    fs.mkdirSync(path.join(dir, 'work'));
    sock = path.join(dir, 'tmux.sock');
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      EPHEMDIR_DATA_DIR: path.join(dir, 'data'),
      EPHEMDIR_CONFIG_DIR: path.join(dir, 'config'),
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
    };
  });
  after(() => {
    tmux('kill-server');
    spawnSync('rm', ['-rf', '--one-file-system', dir]);
  });

  it('keep, extend, remove, then Enter prints the chosen path', async () => {
    const a = cli('new', '--prefix', 'aa', '--lifetime', '1h').trimEnd();
    const b = cli('new', '--prefix', 'bb', '--lifetime', '1h').trimEnd();
    const c = cli('new', '--prefix', 'cc', '--lifetime', '1h').trimEnd();
    const d = cli('new', '--prefix', 'dd', '--lifetime', '1h').trimEnd();
    const out = path.join(dir, 'chosen.txt');
    const vars = Object.entries(env).map(([k, v]) => `${k}=${q(v ?? '')}`).join(' ');
    const command = `cd ${q(path.join(dir, 'work'))} && env -i ${vars} ${q(process.execPath)} ${q(MAIN)} menu > ${q(out)}; echo "exit=$?" >> ${q(out)}; sleep 30`;
    const started = tmux('new-session', '-d', '-s', 'menu', '-x', '200', '-y', '40', command);
    assert.equal(started.status, 0, started.stderr);

    await waitFor(/4 tracked directories/, 'the list');
    // first row (aa): keep it
    tmux('send-keys', '-t', 'menu', 'k');
    await waitFor(/kept .*aa/, 'keep');
    await waitFor(/3 tracked directories/, 'the refreshed list');
    // now bb is first: extend by +2h
    tmux('send-keys', '-t', 'menu', 'e');
    await waitFor(/extend .*bb.* by/, 'the extend prompt');
    tmux('send-keys', '-t', 'menu', '+2h', 'Enter');
    await waitFor(/extended .*bb/, 'extend');
    // move down to cc and remove it (confirming)
    tmux('send-keys', '-t', 'menu', 'Down', 'r');
    await waitFor(/remove .*cc.* \[y\/N\]/, 'the remove confirmation');
    tmux('send-keys', '-t', 'menu', 'y');
    await waitFor(/removed .*cc/, 'remove');
    await waitFor(/2 tracked directories/, 'the list after remove');
    // go to dd and press Enter
    tmux('send-keys', '-t', 'menu', 'Down', 'Enter');
    const deadline = Date.now() + 10_000;
    while (!(fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('exit=')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(fs.readFileSync(out, 'utf8'), `${d}\nexit=0\n`);

    assert.ok(fs.existsSync(a) && !fs.existsSync(path.join(a, '.ephemdir')), 'aa kept and untracked');
    assert.ok(!fs.existsSync(c), 'cc removed');
    const items = JSON.parse(cli('list', '--json')) as Array<{ path: string; remaining_seconds: number }>;
    assert.deepEqual(items.map((i) => i.path).sort(), [b, d].sort());
    assert.ok(items.find((i) => i.path === b)!.remaining_seconds > 3 * 3600 - 60, '+2h added to the 1h left');
  });

  it('q quits without printing a path', async () => {
    const out = path.join(dir, 'quit.txt');
    const vars = Object.entries(env).map(([k, v]) => `${k}=${q(v ?? '')}`).join(' ');
    const command = `env -i ${vars} ${q(process.execPath)} ${q(MAIN)} menu > ${q(out)}; echo "exit=$?" >> ${q(out)}; sleep 30`;
    const started = tmux('new-session', '-d', '-s', 'quit', '-x', '200', '-y', '40', command);
    assert.equal(started.status, 0, started.stderr);
    await waitFor(/tracked director/, 'the list', 'quit');
    tmux('send-keys', '-t', 'quit', 'q');
    const deadline = Date.now() + 10_000;
    while (!(fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('exit=')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(fs.readFileSync(out, 'utf8'), 'exit=0\n');
  });
});
