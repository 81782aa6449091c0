// shell-init and completion, exercised in real bash, zsh and fish: first with
// a stand-in `ephemdir` (test/fixtures/cli-fake-ephemdir.sh) so the shell
// functions are tested on their own, then with the real built CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MAIN, repoRoot } from '../helpers/cli';

const ROOT = repoRoot();
const FAKE = path.join(ROOT, 'test', 'fixtures', 'cli-fake-ephemdir.sh');

function has(shell: string): boolean {
  return spawnSync(shell, ['-c', 'exit 0']).status === 0;
}

interface Env {
  dir: string;
  fakeRoot: string;
  fakeBin: string;
  realBin: string;
  env(bin: string): NodeJS.ProcessEnv;
}

function setup(): Env {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-shell-'));
  const fakeRoot = path.join(dir, 'tracked dirs');
  for (const d of ['alpha-0123456789abcdef', 'alps-0123456789abcdef', 'newest one', 'made by new']) {
    fs.mkdirSync(path.join(fakeRoot, d), { recursive: true });
  }
  const fakeBin = path.join(dir, 'fakebin');
  const realBin = path.join(dir, 'realbin');
  fs.mkdirSync(fakeBin);
  fs.mkdirSync(realBin);
  fs.symlinkSync(FAKE, path.join(fakeBin, 'ephemdir'));
  fs.writeFileSync(path.join(realBin, 'ephemdir'), `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`, { mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'home'));
  return {
    dir,
    fakeRoot,
    fakeBin,
    realBin,
    env: (bin) => ({
      PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: path.join(dir, 'home'),
      FAKE_ROOT: fakeRoot,
      EPHEMDIR_MAIN: MAIN,
      EPHEMDIR_DATA_DIR: path.join(dir, 'data'),
      EPHEMDIR_CONFIG_DIR: path.join(dir, 'config'),
      XDG_CONFIG_HOME: path.join(dir, 'home', '.config'),
      XDG_DATA_HOME: path.join(dir, 'home', '.local', 'share'),
      TERM: 'dumb',
    }),
  };
}

function sh(shell: string, script: string, env: NodeJS.ProcessEnv, cwd: string): { code: number | null; out: string; err: string } {
  const args = shell === 'bash' ? ['--norc', '--noprofile', '-c', script] : shell === 'zsh' ? ['-f', '-c', script] : ['--no-config', '-c', script];
  const r = spawnSync(shell, args, { env, cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const LOAD: Record<string, string> = {
  bash: 'eval "$(ephemdir shell-init bash)"',
  zsh: 'eval "$(ephemdir shell-init zsh)"',
  fish: 'ephemdir shell-init fish | source',
};

describe('shell-init in real shells (stand-in ephemdir)', () => {
  let e: Env;
  before(() => {
    e = setup();
  });
  after(() => fs.rmSync(e.dir, { recursive: true, force: true }));

  for (const shell of ['bash', 'zsh', 'fish']) {
    it(`${shell}: enew, ecd NAME, ecd (newest), ecd failure keeps the directory`, { skip: !has(shell) && `${shell} not installed` }, () => {
      const script =
        shell === 'fish'
          ? `${LOAD.fish}; enew; pwd; ecd alpha-0123456789abcdef; pwd; ecd; pwd; ecd nope; echo "rc=$status"; pwd`
          : `${LOAD[shell]}; enew; pwd; ecd alpha-0123456789abcdef; pwd; ecd; pwd; ecd nope; echo "rc=$?"; pwd`;
      const r = sh(shell, script, e.env(e.fakeBin), e.dir);
      assert.equal(r.code, 0, r.err);
      const lines = r.out.trimEnd().split('\n');
      assert.deepEqual(lines, [
        path.join(e.fakeRoot, 'made by new'),
        path.join(e.fakeRoot, 'alpha-0123456789abcdef'),
        path.join(e.fakeRoot, 'newest one'),
        'rc=1',
        path.join(e.fakeRoot, 'newest one'),
      ]);
      assert.match(r.err, /no tracked directory matches 'nope'/);
    });
  }

  it('shell-init picks the shell from $SHELL', () => {
    const r = spawnSync(process.execPath, [MAIN, 'shell-init'], { env: { ...e.env(e.fakeBin), SHELL: '/usr/bin/fish' }, encoding: 'utf8' });
    assert.match(r.stdout, /^function ecd /m);
    const b = spawnSync(process.execPath, [MAIN, 'shell-init'], { env: { ...e.env(e.fakeBin), SHELL: '/bin/sh' }, encoding: 'utf8' });
    assert.match(b.stdout, /^ecd\(\) \{/m);
  });

  it('bash: ecd completes tracked names', { skip: !has('bash') && 'bash not installed' }, () => {
    const r = sh('bash', `${LOAD.bash}; COMP_WORDS=(ecd alp); COMP_CWORD=1; __ephemdir_complete_ecd; printf '%s\\n' "\${COMPREPLY[@]}"`, e.env(e.fakeBin), e.dir);
    assert.deepEqual(r.out.trimEnd().split('\n'), ['alpha-0123456789abcdef', 'alps-0123456789abcdef']);
  });

  it('fish: ecd completes tracked names', { skip: !has('fish') && 'fish not installed' }, () => {
    const r = sh('fish', `${LOAD.fish}; complete -C 'ecd alph'`, e.env(e.fakeBin), e.dir);
    assert.equal(r.out.trimEnd(), 'alpha-0123456789abcdef');
  });

  it('zsh: the snippet registers ecd completion when compinit is loaded', { skip: !has('zsh') && 'zsh not installed' }, () => {
    const r = sh('zsh', `autoload -U compinit; compinit -u -D; ${LOAD.zsh}; print -r -- $_comps[ecd]`, e.env(e.fakeBin), e.dir);
    assert.equal(r.out.trim(), '__ephemdir_complete_ecd', r.err);
  });
});

describe('completion scripts in real shells', () => {
  let e: Env;
  before(() => {
    e = setup();
  });
  after(() => fs.rmSync(e.dir, { recursive: true, force: true }));

  const bashComplete = (words: string[]) =>
    sh(
      'bash',
      `source <(ephemdir completion bash); COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _ephemdir; printf '%s\\n' "\${COMPREPLY[@]}"`,
      e.env(e.fakeBin),
      e.dir,
    ).out.trimEnd().split('\n');

  it('bash: every command, per-command flags, choices, tracked names', { skip: !has('bash') && 'bash not installed' }, () => {
    const all = bashComplete(['ephemdir', '']);
    for (const c of ['new', 'list', 'tree', 'path', 'last', 'keep', 'extend', 'rm', 'sweep', 'prune', 'recover', 'explain', 'stats', 'doctor', 'watch', 'install-service', 'uninstall-service', 'shell-init', 'completion', 'menu']) {
      assert.ok(all.includes(c), `completes ${c}`);
    }
    assert.ok(!all.includes('__complete'));
    assert.deepEqual(bashComplete(['ephemdir', 'sweep', '--d']), ['--dry-run', '--data-dir']);
    // The value of a global option is not the command: names still complete after `--data-dir DIR`.
    assert.deepEqual(bashComplete(['ephemdir', '--data-dir', e.dir, 'rm', 'alp']), ['alpha-0123456789abcdef', 'alps-0123456789abcdef']);
    assert.deepEqual(bashComplete(['ephemdir', '--color', 'never', 'new', '--cleanup', '']), ['auto', 'next-sweep']);
    for (const cmd of ['rm', 'keep', 'extend', 'explain', 'path']) {
      assert.deepEqual(bashComplete(['ephemdir', cmd, 'alp']), ['alpha-0123456789abcdef', 'alps-0123456789abcdef'], cmd);
    }
    assert.deepEqual(bashComplete(['ephemdir', 'shell-init', 'f']), ['fish']);
    assert.ok(all.includes('rmtree'), 'completes rmtree');
    fs.mkdirSync(path.join(e.dir, 'rmtree-dist'), { recursive: true });
    assert.deepEqual(bashComplete(['ephemdir', 'rmtree', 'rmtree-d']), ['rmtree-dist'], 'rmtree completes paths');
    assert.deepEqual(bashComplete(['ephemdir', 'rmtree', '--g']), ['--glob']);
  });

  it('fish: commands, flags and tracked names', { skip: !has('fish') && 'fish not installed' }, () => {
    fs.mkdirSync(path.join(e.dir, 'rmtree-dist'), { recursive: true });
    const r = sh('fish', `ephemdir completion fish | source; complete -C 'ephemdir st'; echo ---; complete -C 'ephemdir rm alph'; echo ---; complete -C 'ephemdir sweep --f'; echo ---; complete -C 'ephemdir rmtree rmtree-d'`, e.env(e.fakeBin), e.dir);
    const [cmds, names, flags, files] = r.out.split('---\n');
    assert.match(files!, /^rmtree-dist\//m, 'rmtree completes paths');
    assert.match(cmds!, /^stats\t/m);
    assert.equal(names!.trim(), 'alpha-0123456789abcdef');
    assert.match(flags!, /^--force\t/m);
  });

  it('zsh: the script loads and registers itself', { skip: !has('zsh') && 'zsh not installed' }, () => {
    const r = sh('zsh', 'autoload -U compinit; compinit -u -D; source <(ephemdir completion zsh); print -r -- $_comps[ephemdir]', e.env(e.fakeBin), e.dir);
    assert.equal(r.out.trim(), '_ephemdir', r.err);
  });
});

describe('shell-init with the real CLI', () => {
  let e: Env;
  before(() => {
    e = setup();
  });
  after(() => fs.rmSync(e.dir, { recursive: true, force: true }));

  for (const shell of ['bash', 'zsh', 'fish']) {
    it(`${shell}: enew creates and enters a tracked directory; ecd returns to it`, { skip: !has(shell) && `${shell} not installed` }, () => {
      const work = path.join(e.dir, `work-${shell}`);
      fs.mkdirSync(work);
      const script = `${LOAD[shell]}; enew --lifetime 1h --tag ${shell}; pwd; cd /; ecd; pwd; cd /; ecd ${shell === 'fish' ? '(basename (ephemdir last))' : '"$(basename "$(ephemdir last)")"'}; pwd`;
      const r = sh(shell, script, e.env(e.realBin), work);
      assert.equal(r.code, 0, r.err);
      const [made, again, byName] = r.out.trimEnd().split('\n');
      assert.equal(path.dirname(made!), work);
      assert.ok(fs.existsSync(path.join(made!, '.ephemdir')));
      assert.equal(again, made);
      assert.equal(byName, made);
    });
  }
});
