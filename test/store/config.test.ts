import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../../src/store/config';
import { dataScratch, makeUser } from './_helpers';
import { isRoot } from '../helpers/scratch';

function withConfig(text: string | null, fn: (env: NodeJS.ProcessEnv, file: string, dir: string) => void): void {
  using s = dataScratch('cfg');
  const dir = s.env.EPHEMDIR_CONFIG_DIR!;
  fs.mkdirSync(dir, { mode: 0o700 });
  const file = path.join(dir, 'config.toml');
  if (text !== null) fs.writeFileSync(file, text, { mode: 0o600 });
  fn(s.env, file, dir);
}

test('a valid config: every key, raw values, camelCase fields', () => {
  const toml = [
    'lifetime = "6h"',
    'remove_on_restart = false',
    'keep_while_in_use = true',
    'parent = "/srv/scratch"',
    'prefix = "scratch-"',
    'words = 3',
    'cleanup = "next-sweep"',
    'max_size = "2GiB"',
    'name_style = "clean"',
    '',
  ].join('\n');
  withConfig(toml, (env, file) => {
    const c = loadConfig(env);
    assert.equal(c.file, file);
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(c.values, {
      lifetime: '6h',
      removeOnRestart: false,
      keepWhileInUse: true,
      parent: '/srv/scratch',
      prefix: 'scratch-',
      words: 3,
      cleanup: 'next-sweep',
      maxSize: '2GiB',
      nameStyle: 'clean',
    });
  });
  withConfig('lifetime = 3600\nmax_size = 1048576\n', (env) => {
    assert.deepEqual(loadConfig(env).values, { lifetime: 3600, maxSize: 1048576 });
  });
});

test('missing config dir or file: no values, no warning', () => {
  using s = dataScratch('cfg');
  assert.deepEqual(loadConfig(s.env).warnings, []);
  withConfig(null, (env) => assert.deepEqual(loadConfig(env), { values: {}, warnings: [], file: path.join(env.EPHEMDIR_CONFIG_DIR!, 'config.toml') }));
});

test('unknown and mistyped keys are dropped with a warning naming the file', () => {
  withConfig('lifetime = "1h"\ncolour = "blue"\nwords = "two"\nremove_on_restart = "yes"\nmax_size = 1.5\nwords2 = 1\n[table]\nx = 1\n', (env, file) => {
    const c = loadConfig(env);
    assert.deepEqual(c.values, { lifetime: '1h' });
    assert.equal(c.warnings.length, 6, c.warnings.join('\n'));
    assert.ok(c.warnings.every((w) => w.includes(file)));
    assert.ok(c.warnings.some((w) => /unknown key "colour"/.test(w)));
    assert.ok(c.warnings.some((w) => /words: expected an integer, got string/.test(w)));
    assert.ok(c.warnings.some((w) => /remove_on_restart: expected true or false/.test(w)));
    assert.ok(c.warnings.some((w) => /max_size: expected a string or an integer, got a float/.test(w)));
    assert.ok(c.warnings.some((w) => /unknown key "table"/.test(w)));
  });
  withConfig('words = 99999999999999999999\n', (env) => {
    const c = loadConfig(env);
    assert.deepEqual(c.values, {});
    assert.match(c.warnings[0]!, /too large/);
  });
  withConfig('"\\u001b[31m" = 1\n', (env) => {
    assert.match(loadConfig(env).warnings[0]!, /unknown key "\\u001b\[31m"/, 'control characters in keys are escaped');
  });
});

test('invalid TOML is ignored with a warning', () => {
  withConfig('lifetime = \n', (env, file) => {
    const c = loadConfig(env);
    assert.deepEqual(c.values, {});
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!, new RegExp(`ignoring config file ${file}: it is not valid TOML`));
  });
});

test('a group- or world-writable config is ignored, and its mode left alone', () => {
  for (const mode of [0o666, 0o620]) {
    withConfig('lifetime = "1h"\n', (env, file) => {
      fs.chmodSync(file, mode);
      const c = loadConfig(env);
      assert.deepEqual(c.values, {});
      assert.match(c.warnings[0]!, /writable by group or others/);
      assert.ok(c.warnings[0]!.includes(file));
      assert.equal(fs.statSync(file).mode & 0o777, mode);
    });
  }
});

test('a symlinked config file is refused; a FIFO does not hang', () => {
  withConfig(null, (env, file, dir) => {
    fs.writeFileSync(path.join(dir, 'real.toml'), 'lifetime = "1h"\n', { mode: 0o600 });
    fs.symlinkSync(path.join(dir, 'real.toml'), file);
    const c = loadConfig(env);
    assert.deepEqual(c.values, {});
    assert.match(c.warnings[0]!, /symlink/);
  });
  withConfig(null, (env, file) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    execFileSync('mkfifo', ['-m', '600', file]);
    const c = loadConfig(env);
    assert.deepEqual(c.values, {});
    assert.match(c.warnings[0]!, /not a regular file/);
  });
});

test('a config owned by another user is ignored; one owned by root is honoured', { skip: !isRoot && 'needs root' }, () => {
  const u = makeUser('cfg');
  try {
    withConfig('lifetime = "1h"\n', (env, file) => {
      fs.chownSync(file, u.uid, u.gid);
      const c = loadConfig(env);
      assert.deepEqual(c.values, {});
      assert.match(c.warnings[0]!, new RegExp(`owned by uid ${u.uid}`));
      fs.chownSync(file, 0, 0);
      assert.deepEqual(loadConfig(env).values, { lifetime: '1h' });
    });
  } finally {
    u.remove();
  }
});

test('a relative EPHEMDIR_CONFIG_DIR is an invalid argument', () => {
  assert.throws(() => loadConfig({ EPHEMDIR_CONFIG_DIR: 'conf' }), { code: 'EPHEMDIR_INVALID_ARGUMENT', message: /EPHEMDIR_CONFIG_DIR/ });
});

test('the config folder is trusted like the data folder: its owner, its mode and the folders on the way', () => {
  // Group-writable config folder.
  withConfig('lifetime = "1h"\n', (env, _file, dir) => {
    fs.chmodSync(dir, 0o770);
    const c = loadConfig(env);
    assert.deepEqual(c.values, {});
    assert.match(c.warnings[0]!, /folder cannot be trusted: .*writable/);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o770, 'never repaired');
  });
  // A folder on the way that anybody may write (no sticky bit): someone could swap the config folder.
  withConfig('lifetime = "1h"\n', (env, _file, dir) => {
    const up = path.dirname(dir);
    fs.chmodSync(up, 0o777);
    try {
      const c = loadConfig(env);
      assert.deepEqual(c.values, {});
      assert.match(c.warnings[0]!, /group\/world-writable without the sticky bit/);
    } finally {
      fs.chmodSync(up, 0o700);
    }
  });
});

test('a symlinked config folder is followed only when the link is yours and its target is safe', () => {
  withConfig('lifetime = "1h"\n', (env, _file, dir) => {
    // A dotfile setup: config -> dotfiles/ephemdir, all yours.
    const real = path.join(path.dirname(dir), 'dotfiles', 'ephemdir');
    fs.mkdirSync(path.dirname(real), { mode: 0o700 });
    fs.renameSync(dir, real);
    fs.symlinkSync(path.relative(path.dirname(dir), real), dir);
    assert.deepEqual(loadConfig(env), { values: { lifetime: '1h' }, warnings: [], file: path.join(dir, 'config.toml') });
    // The same link into a folder others may write is refused.
    fs.chmodSync(path.dirname(real), 0o777);
    const c = loadConfig(env);
    assert.deepEqual(c.values, {});
    assert.match(c.warnings[0]!, /without the sticky bit/);
  });
});

test('a config folder owned, or a symlink to it planted, by another user is ignored', { skip: !isRoot && 'needs root' }, () => {
  const u = makeUser('cfgd');
  try {
    withConfig('lifetime = "1h"\n', (env, _file, dir) => {
      fs.chownSync(dir, u.uid, u.gid);
      const c = loadConfig(env);
      assert.deepEqual(c.values, {});
      assert.match(c.warnings[0]!, new RegExp(`owned by uid ${u.uid}`));
    });
    withConfig('lifetime = "1h"\n', (env, _file, dir) => {
      const real = path.join(path.dirname(dir), 'elsewhere');
      fs.renameSync(dir, real);
      fs.symlinkSync(real, dir);
      fs.lchownSync(dir, u.uid, u.gid);
      const c = loadConfig(env);
      assert.deepEqual(c.values, {});
      assert.match(c.warnings[0]!, new RegExp(`symlink owned by uid ${u.uid}`));
      fs.lchownSync(dir, 0, 0);
      assert.deepEqual(loadConfig(env).values, { lifetime: '1h' });
    });
  } finally {
    u.remove();
  }
});
