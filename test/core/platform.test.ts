// "Linux or macOS" is decided in one place: the list, the refusal (its code
// and message), and that the host's platform is read when asked, so a
// process told it is another platform sees that one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../src/errors';
import { SUPPORTED_PLATFORMS, SUPPORTED_NAMES, hostPlatform, isSupportedPlatform, requirePlatform, unsupportedPlatform } from '../../src/core/platform';

/** Runs `fn` while process.platform reads `platform`. */
function asPlatform<T>(platform: string, fn: () => T): T {
  const real = Object.getOwnPropertyDescriptor(process, 'platform')!;
  Object.defineProperty(process, 'platform', { ...real, value: platform });
  try {
    return fn();
  } finally {
    Object.defineProperty(process, 'platform', real);
  }
}

test('the supported list, and which values are on it', () => {
  assert.deepEqual([...SUPPORTED_PLATFORMS], ['linux', 'darwin']);
  assert.equal(SUPPORTED_NAMES, 'Linux and macOS');
  const table: [unknown, boolean][] = [
    ['linux', true],
    ['darwin', true],
    ['win32', false],
    ['freebsd', false],
    ['Linux', false],
    ['', false],
    [null, false],
    [undefined, false],
    [1, false],
  ];
  for (const [value, want] of table) assert.equal(isSupportedPlatform(value), want, String(value));
});

test('on a supported host: its own platform', () => {
  for (const p of SUPPORTED_PLATFORMS) {
    assert.equal(asPlatform(p, hostPlatform), p);
    assert.equal(asPlatform(p, requirePlatform), p);
  }
});

test('elsewhere: no platform, and the refusal is EPHEMDIR_UNSUPPORTED_PLATFORM naming the host', () => {
  for (const p of ['win32', 'freebsd', 'aix']) {
    assert.equal(asPlatform(p, hostPlatform), null);
    assert.throws(() => asPlatform(p, requirePlatform), {
      code: ErrorCodes.UNSUPPORTED_PLATFORM,
      message: new RegExp(`^ephemdir supports Linux and macOS only \\(this is ${p}\\): it refuses to run where it cannot delete through directory handles$`),
    });
  }
  assert.equal(unsupportedPlatform('sunos').code, ErrorCodes.UNSUPPORTED_PLATFORM);
  assert.match(unsupportedPlatform('sunos').message, /\(this is sunos\)/);
});
