// The ownership, permission and mount-boundary rules, as tables over plain
// stat-like data (core/trust is what every layer asks).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chainProblem,
  isOtherMount,
  ownedPrivately,
  ownershipProblem,
  rootOnly,
  type MountFacts,
  type OwnerFacts,
  type OwnershipRule,
} from '../../src/core/trust';
import { finalProblem } from '../../src/fs/walk';
import type { Stat } from '../../src/fs/dir-handle';

const ME = 1000;
const OTHER = 1001;

describe('ownershipProblem', () => {
  const rows: Array<[string, OwnerFacts, OwnershipRule, RegExp | null]> = [
    ['mine, 0700', { uid: ME, mode: 0o40700 }, {}, null],
    ['mine, 0755 (others may read)', { uid: ME, mode: 0o40755 }, {}, null],
    ['mine, 0755, private asked', { uid: ME, mode: 0o40755 }, { private: true }, /accessible to group or others \(mode 0755\)/],
    ['mine, 0775', { uid: ME, mode: 0o40775 }, {}, /writable by group or others \(mode 0775\)/],
    ['mine, 0757', { uid: ME, mode: 0o40757 }, {}, /writable by group or others/],
    ['mine, sticky 1777: still writable by others', { uid: ME, mode: 0o41777 }, {}, /writable by group or others \(mode 1777\)/],
    ['root, not allowed', { uid: 0, mode: 0o40755 }, {}, /owned by uid 0, not by you \(uid 1000\)$/],
    ['root, allowed', { uid: 0, mode: 0o40755 }, { allowRoot: true }, null],
    ['another user, root allowed', { uid: OTHER, mode: 0o40700 }, { allowRoot: true }, /owned by uid 1001, not by you \(uid 1000\) or root/],
    ['mine, 0600 file, private', { uid: ME, mode: 0o100600 }, { private: true }, null],
  ];
  for (const [name, st, rule, want] of rows) {
    it(name, () => {
      const got = ownershipProblem(st, rule, ME);
      if (want === null) assert.equal(got, null);
      else assert.match(got ?? '', want);
      assert.equal(ownedPrivately(st, rule, ME), want === null);
    });
  }
});

describe('chainProblem and the walker\'s final rules', () => {
  const me = process.geteuid?.() ?? -1;
  const other = me === 4242 ? 4243 : 4242;
  const rows: Array<[string, OwnerFacts, boolean, boolean, boolean]> = [
    // name, facts, chain ok, 'parent' ok, 'owned' ok
    ['mine 0700', { uid: me, mode: 0o40700 }, true, true, true],
    ['mine 0777 without sticky', { uid: me, mode: 0o40777 }, false, false, false],
    ['mine 1777 (sticky)', { uid: me, mode: 0o41777 }, true, true, false],
    ['root 1777 like /tmp', { uid: 0, mode: 0o41777 }, true, true, false],
    ['root 0755', { uid: 0, mode: 0o40755 }, true, true, me === 0],
    ['root 0777 without sticky', { uid: 0, mode: 0o40777 }, false, false, false],
    ['another user 0755', { uid: other, mode: 0o40755 }, false, false, false],
    ['another user 1777', { uid: other, mode: 0o41777 }, false, false, false],
  ];
  for (const [name, st, chain, parent, owned] of rows) {
    it(name, () => {
      assert.equal(chainProblem(st, me) === null, chain, 'chain');
      assert.equal(finalProblem(st as Stat, 'parent') === null, parent, 'parent');
      assert.equal(finalProblem(st as Stat, 'owned') === null, owned, 'owned');
      assert.equal(finalProblem(st as Stat, 'any'), null, 'any');
    });
  }
  it('rootOnly: root-owned and writable by root alone', () => {
    assert.equal(rootOnly({ uid: 0, mode: 0o40755 }), true);
    assert.equal(rootOnly({ uid: 0, mode: 0o41777 }), false);
    assert.equal(rootOnly({ uid: ME, mode: 0o40755 }), false);
  });
});

describe('isOtherMount: the native engine\'s rule (mount root, mount id or device)', () => {
  const root: MountFacts = { dev: 10, mntId: 100, mountRoot: null };
  const rows: Array<[string, MountFacts, MountFacts, boolean]> = [
    ['same mount', root, { dev: 10, mntId: 100, mountRoot: false }, false],
    ['a mount root is always another mount', root, { dev: 10, mntId: 100, mountRoot: true }, true],
    ['bind mount of the same filesystem: same device, other mount id', root, { dev: 10, mntId: 101, mountRoot: false }, true],
    ['same mount id, other device (btrfs subvolume): another filesystem', root, { dev: 11, mntId: 100, mountRoot: false }, true],
    ['other mount id and other device (tmpfs)', root, { dev: 12, mntId: 102, mountRoot: false }, true],
    ['no mount ids: the device decides', { dev: 10, mntId: null, mountRoot: null }, { dev: 11, mntId: null, mountRoot: null }, true],
    ['no mount ids, same device', { dev: 10, mntId: null, mountRoot: null }, { dev: 10, mntId: null, mountRoot: null }, false],
    ['one mount id unknown: the device decides', root, { dev: 10, mntId: null, mountRoot: null }, false],
  ];
  for (const [name, r, st, want] of rows) it(name, () => assert.equal(isOtherMount(r, st), want));
});
