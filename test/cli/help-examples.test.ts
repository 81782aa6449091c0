// Every command's `--help` ends with examples, and each one works as written:
// the lines are taken from the help text itself (not from the command table)
// and run in bash (fish for the ones marked `(in fish)`) with `ephemdir` on
// PATH, in a sandbox holding a directory named build...; `recover`'s sandbox
// holds an interrupted deletion of it. `install-service` is run with
// --dry-run (it would schedule a real timer), `watch` until its first sweep
// line and then Ctrl-C, `menu` in a terminal (script(1)) and quit with q.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { MAIN, repoRoot } from '../helpers/cli';
import { CliSandbox } from '../helpers/cli-sandbox';

const VISIBLE = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' })
  .stdout.split('\nCommands:\n')[1]!
  .split('\n\n')[0]!
  .split('\n')
  .map((l) => l.trim().split(/\s+/)[0]!)
  .filter(Boolean);

interface HelpExample {
  line: string;
  shell: 'bash' | 'fish';
}

/** The runnable lines under `Examples:` in `ephemdir CMD --help`, with the shell each is for. */
function examplesOf(cmd: string): HelpExample[] {
  const r = spawnSync(process.execPath, [MAIN, cmd, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const at = r.stdout.indexOf('\nExamples:\n');
  assert.ok(at >= 0, `ephemdir ${cmd} --help has an Examples: section`);
  const out: HelpExample[] = [];
  let shell: HelpExample['shell'] = 'bash';
  for (const raw of r.stdout.slice(at + '\nExamples:\n'.length).split('\n')) {
    if (!raw.startsWith('  ')) break;
    const text = raw.trim();
    if (text.startsWith('#')) shell = /\(in fish\)$/.test(text) ? 'fish' : 'bash';
    else out.push({ line: text, shell });
  }
  return out;
}

interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** spawn, collected: the commands of several tests run side by side. */
function run(cmd: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

const HAVE_FISH = spawnSync('fish', ['--version'], { stdio: 'ignore' }).status === 0;
const HAVE_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe('the examples in every --help run as written', { concurrency: 4 }, () => {
  let sb: CliSandbox;
  let env: NodeJS.ProcessEnv;

  before(() => {
    sb = new CliSandbox();
    const bin = path.join(sb.root, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'ephemdir'), `#!/bin/sh\nexec '${process.execPath}' '${MAIN}' "$@"\n`, { mode: 0o755 });
    env = { ...sb.env, PATH: `${bin}:${process.env.PATH}`, LANG: 'C.UTF-8' };
  });
  after(() => sb.cleanup());

  /** A fresh registry and work folder for one command, holding build... (interrupted, for recover). */
  /** A fresh registry and work folder for one command, holding build... (interrupted, for recover). */
  async function prepare(cmd: string): Promise<{ cwd: string; env: NodeJS.ProcessEnv }> {
    const base = path.join(sb.root, `cmd-${cmd}`);
    const cwd = path.join(base, 'work');
    fs.mkdirSync(cwd, { recursive: true });
    fs.mkdirSync(path.join(base, 'home'));
    const e = { ...env, HOME: path.join(base, 'home'), EPHEMDIR_DATA_DIR: path.join(base, 'data'), EPHEMDIR_CONFIG_DIR: path.join(base, 'config') };
    const cli = (args: string[], extra: NodeJS.ProcessEnv = {}, node: string[] = [MAIN]) =>
      run(process.execPath, [...node, ...args], { cwd, env: { ...e, ...extra } });
    const made = await cli(['new', '--prefix', 'build', '--tag', 'build', '--lifetime', '2h']);
    assert.equal(made.status, 0, made.stderr);
    fs.writeFileSync(path.join(made.stdout.trim(), 'a-file'), 'x'.repeat(1000));
    if (cmd === 'recover') {
      // A deletion killed after the rename: what `recover` is for.
      const dist = path.join(repoRoot(), '.test-dist');
      const hook = path.join(dist, 'test', 'helpers', 'crash-hook.js');
      const crashed = await cli(['rm', 'build'], { EPHEMDIR_CRASH_AT: 'after-rename' }, ['--require', hook, path.join(dist, 'src', 'cli', 'main.js')]);
      assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
    }
    return { cwd, env: e };
  }

  function runLine(ex: HelpExample, where: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
    return ex.shell === 'fish'
      ? run('fish', ['--no-config', '-c', ex.line], where)
      : run('bash', ['-e', '-o', 'pipefail', '-c', ex.line], where);
  }

  it('lists the visible commands (the test sees them all)', () => {
    assert.ok(VISIBLE.length >= 20 && VISIBLE.includes('list') && VISIBLE.includes('menu'), VISIBLE.join(' '));
  });

  for (const cmd of VISIBLE) {
    it(`${cmd} --help: each example exits 0`, async (t) => {
      const examples = examplesOf(cmd);
      assert.ok(examples.length >= 1, `${cmd} --help shows at least one example`);
      assert.ok(examples.some((ex) => /\bephemdir\b/.test(ex.line)), `an example of ${cmd} runs ephemdir`);
      const where = await prepare(cmd);
      for (const ex of examples) {
        if (ex.shell === 'fish' && !HAVE_FISH) {
          t.diagnostic(`skipped (fish is not installed): ${ex.line}`);
          continue;
        }
        if (cmd === 'watch') {
          // Runs until stopped: wait for its first per-sweep line, then Ctrl-C.
          const child = spawn('bash', ['-c', `exec ${ex.line}`], where);
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
          const deadline = Date.now() + 20_000;
          while (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (nothing due|removed)/m.test(stderr) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 50));
          }
          child.kill('SIGINT');
          assert.equal(await exited, 0, `${ex.line}: ${stderr}`);
          assert.match(stderr, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (nothing due|removed)/m);
          continue;
        }
        if (cmd === 'menu') {
          if (!HAVE_SCRIPT) {
            t.diagnostic(`skipped (script(1) is not installed): ${ex.line}`);
            continue;
          }
          // In a terminal (a pty from script(1)): wait for the list, press q.
          const child = spawn('script', ['-qec', ex.line, '/dev/null'], { ...where, env: { ...where.env, TERM: 'xterm' } });
          let screen = '';
          child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
          const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
          const deadline = Date.now() + 20_000;
          while (!/tracked director/.test(screen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
          child.stdin.write('q');
          assert.equal(await exited, 0, `${ex.line}: ${screen}`);
          continue;
        }
        // It would schedule a real timer: checked with --dry-run.
        const line = cmd === 'install-service' && !/--dry-run/.test(ex.line) ? `${ex.line} --dry-run` : ex.line;
        const r = await runLine({ ...ex, line }, where);
        assert.equal(r.status, 0, `\`${line}\` (${ex.shell}) exited ${r.status}: ${r.stderr}`);
      }
    });
  }

  it("the README's completion install block runs as written on an empty home", async () => {
    const readme = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```sh completion\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    assert.equal(blocks.length, 1, 'README.md has one ```sh completion block');
    const home = path.join(sb.root, 'readme-home');
    fs.mkdirSync(home);
    const r = await run('bash', ['-e', '-o', 'pipefail', '-c', blocks[0]!], { cwd: home, env: { ...env, HOME: home } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(fs.readFileSync(path.join(home, '.zfunc', '_ephemdir'), 'utf8'), /^#compdef ephemdir/);
    assert.match(fs.readFileSync(path.join(home, '.config', 'fish', 'completions', 'ephemdir.fish'), 'utf8'), /complete -c ephemdir/);
    assert.match(fs.readFileSync(path.join(home, '.zshrc'), 'utf8'), /^fpath=\(~\/\.zfunc \$fpath\); autoload -Uz compinit && compinit$/m);
    assert.match(fs.readFileSync(path.join(home, '.bashrc'), 'utf8'), /^source <\(ephemdir completion bash\)$/m);
  });
});
