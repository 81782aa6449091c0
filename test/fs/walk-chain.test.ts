// Trusted parents reused by a batch (src/fs/walk-chain.ts): a path is walked
// once, and every reuse is re-checked by identity; whatever changed on the
// way (the directory replaced, a component renamed, mounted over, made
// writable by others) gives what a fresh walk gives, never the old handle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratch } from '../helpers/scratch';
import { Mounts, mountUnavailable } from '../helpers/mounts';
import { chainChanged, closeChain, ParentChains } from '../../src/fs/walk-chain';
import { openDirectoryChain } from '../../src/fs/walk';

const OPTS = { trust: 'chain', final: 'parent' } as const;

function inode(p: string): number {
  return fs.statSync(p).ino;
}

function opened(parents: ParentChains, p: string): number {
  const d = parents.open(p);
  try {
    return d.stat().ino;
  } finally {
    d.close();
  }
}

test('a chain that did not change is reused; each open hands back a handle of its own', () => {
  using s = scratch('walk-chain-same');
  const p = path.join(s.dir, 'a', 'b');
  fs.mkdirSync(p, { recursive: true, mode: 0o700 });
  using parents = new ParentChains(OPTS);
  const first = parents.open(p);
  const second = parents.open(p);
  try {
    assert.equal(first.stat().ino, inode(p));
    assert.equal(second.stat().ino, inode(p));
    first.close();
    assert.equal(second.stat().ino, inode(p), 'closing one handle leaves the other');
  } finally {
    if (!first.closed) first.close();
    second.close();
  }
});

test('the directory replaced at its path, or a component above it renamed: the next open is the new directory', () => {
  using s = scratch('walk-chain-replaced');
  const p = path.join(s.dir, 'a', 'b');
  fs.mkdirSync(p, { recursive: true, mode: 0o700 });
  using parents = new ParentChains(OPTS);
  const before = opened(parents, p);
  fs.renameSync(p, path.join(s.dir, 'a', 'b-old'));
  fs.mkdirSync(p, { mode: 0o700 });
  assert.notEqual(inode(p), before);
  assert.equal(opened(parents, p), inode(p), 'the last component replaced');
  const again = inode(p);
  fs.renameSync(path.join(s.dir, 'a'), path.join(s.dir, 'a-old'));
  fs.mkdirSync(p, { recursive: true, mode: 0o700 });
  assert.equal(opened(parents, p), inode(p), 'a component above it replaced');
  assert.notEqual(inode(p), again);
  fs.rmSync(path.join(s.dir, 'a'), { recursive: true });
  assert.throws(() => parents.open(p), { code: 'ENOENT' }, 'gone: the walk fails as a fresh one does');
});

test('a component made writable by others (not sticky) after the first walk: refused, as a fresh walk refuses it', () => {
  using s = scratch('walk-chain-unsafe');
  const p = path.join(s.dir, 'a', 'b');
  fs.mkdirSync(p, { recursive: true, mode: 0o700 });
  const chain = openDirectoryChain(p, OPTS);
  try {
    assert.equal(chainChanged(chain), null);
    fs.chmodSync(path.join(s.dir, 'a'), 0o777);
    assert.match(chainChanged(chain) ?? '', /a: /, 'the change is named');
  } finally {
    closeChain(chain);
  }
  using parents = new ParentChains(OPTS);
  fs.chmodSync(path.join(s.dir, 'a'), 0o700);
  opened(parents, p);
  fs.chmodSync(path.join(s.dir, 'a'), 0o777);
  assert.throws(() => parents.open(p), { code: 'EPHEMDIR_UNSAFE_PARENT' });
});

test('the directory mounted over (same device and inode, another mount): the next open is the mount', async (t) => {
  const why = mountUnavailable();
  if (why) return t.skip(why);
  using s = scratch('walk-chain-mount');
  const p = path.join(s.dir, 'a', 'b');
  fs.mkdirSync(p, { recursive: true, mode: 0o700 });
  using mounts = new Mounts();
  using parents = new ParentChains(OPTS);
  const mountOf = () => {
    const d = parents.open(p);
    try {
      return d.stat().mntId;
    } finally {
      d.close();
    }
  };
  const before = mountOf();
  // A bind mount of the directory onto itself: same device and inode, another mount id.
  mounts.bind(p, p);
  const fresh = openDirectoryChain(p, OPTS);
  const now = fresh.dir.stat().mntId;
  closeChain(fresh);
  assert.notEqual(now, before, 'the path leads into another mount now');
  assert.equal(mountOf(), now, 'the reuse sees it and walks afresh');
});
