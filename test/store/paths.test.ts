import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { dataDir, configDir, configDirIfAny, registryDir, DATA_DIR_CHOICES } from '../../src/store/paths';
import { ErrorCodes } from '../../src/errors';

const home = os.homedir();

test('data dir: override, XDG (absolute only), default; macOS', () => {
  assert.equal(dataDir({ EPHEMDIR_DATA_DIR: '/x/y/' }, 'linux'), '/x/y');
  assert.equal(dataDir({ EPHEMDIR_DATA_DIR: '/x//y/../z' }, 'darwin'), '/x/z');
  assert.equal(dataDir({ XDG_DATA_HOME: '/xdg' }, 'linux'), '/xdg/ephemdir');
  assert.equal(dataDir({ XDG_DATA_HOME: 'relative/xdg' }, 'linux'), `${home}/.local/share/ephemdir`, 'a relative XDG value is ignored, as the spec says');
  assert.equal(dataDir({ XDG_DATA_HOME: '' }, 'linux'), `${home}/.local/share/ephemdir`);
  assert.equal(dataDir({}, 'linux'), `${home}/.local/share/ephemdir`);
  assert.equal(dataDir({ XDG_DATA_HOME: '/xdg' }, 'darwin'), `${home}/Library/Application Support/ephemdir`);
  assert.equal(dataDir({ EPHEMDIR_DATA_DIR: '' }, 'linux'), `${home}/.local/share/ephemdir`, 'empty means unset');
  assert.throws(() => dataDir({ EPHEMDIR_DATA_DIR: 'data' }), { code: ErrorCodes.INVALID_ARGUMENT, message: /EPHEMDIR_DATA_DIR must be an absolute path/ });
});

test('config dir: override, XDG, default; macOS shares the data dir', () => {
  assert.equal(configDir({ EPHEMDIR_CONFIG_DIR: '/c' }, 'linux'), '/c');
  assert.equal(configDir({ XDG_CONFIG_HOME: '/xc' }, 'linux'), '/xc/ephemdir');
  assert.equal(configDir({ XDG_CONFIG_HOME: 'rel' }, 'linux'), `${home}/.config/ephemdir`);
  assert.equal(configDir({}, 'darwin'), dataDir({}, 'darwin'));
  assert.throws(() => configDir({ EPHEMDIR_CONFIG_DIR: './c' }), { code: ErrorCodes.INVALID_ARGUMENT, message: /EPHEMDIR_CONFIG_DIR/ });
});

test('registryDir: the dataDir option wins over the environment, normalised by the same rule', () => {
  const rows: Array<[string | undefined, NodeJS.ProcessEnv, string]> = [
    [undefined, { EPHEMDIR_DATA_DIR: '/env/data' }, '/env/data'],
    ['/own/registry', { EPHEMDIR_DATA_DIR: '/env/data' }, '/own/registry'],
    ['/own//registry/', {}, '/own/registry'],
    ['/own/x/../registry', { EPHEMDIR_DATA_DIR: 'relative' }, '/own/registry'],
    ['/', {}, '/'],
  ];
  for (const [option, env, want] of rows) assert.equal(registryDir(option, env), want, `${option} ${JSON.stringify(env)}`);
  assert.throws(() => registryDir('own', {}), { code: ErrorCodes.INVALID_ARGUMENT, message: /dataDir must be an absolute path, got "own"/ });
  assert.throws(() => registryDir(undefined, { EPHEMDIR_DATA_DIR: 'rel' }), { code: ErrorCodes.INVALID_ARGUMENT, message: /EPHEMDIR_DATA_DIR/ });
});

test('configDirIfAny: null only where the config folder would be under a home there is none of', () => {
  // This process has a home: the same answers as configDir.
  assert.equal(configDirIfAny({}, 'linux'), configDir({}, 'linux'));
  assert.equal(configDirIfAny({ EPHEMDIR_CONFIG_DIR: '/c' }, 'linux'), '/c');
  assert.equal(configDirIfAny({ XDG_CONFIG_HOME: '/xc' }, 'linux'), '/xc/ephemdir');
  assert.equal(typeof DATA_DIR_CHOICES, 'string');
  for (const name of [/dataDir/, /--data-dir/, /EPHEMDIR_DATA_DIR/]) assert.match(DATA_DIR_CHOICES, name);
});
