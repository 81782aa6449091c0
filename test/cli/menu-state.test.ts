// The menu's state machine, by tables: each row is a state, a key, the state
// that follows and the effect the terminal shell must perform.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, reduce, renderMenu, settled, withItems, type Effect, type Key, type MenuState } from '../../src/cli/menu';
import { painter } from '../../src/cli/color';
import type { TrackedDirectory } from '../../src/api/types';
import { cliEntry } from '../helpers/entry';

function tracked(name: string): TrackedDirectory {
  const entry = cliEntry({ id: name.padEnd(32, '0').slice(0, 32), path: `/w/${name}`, parent: '/w', name, createdAt: 1_800_000_000, expiresAt: 1_800_007_200 });
  return { entry, status: 'active', note: '1h left', remainingSeconds: 3600, exists: true };
}

const ITEMS = [tracked('aa'), tracked('bb'), tracked('cc')];
const base = (over: Partial<MenuState> = {}): MenuState => ({ ...withItems(initialState(), ITEMS), ...over });
const prompt = (text: string, path = '/w/bb'): MenuState['mode'] => ({ kind: 'prompt', label: 'extend bb by (2h = from now, +1h = added): ', text, path });
const confirm = (path = '/w/bb'): MenuState['mode'] => ({ kind: 'confirm', label: 'remove bb and everything in it?', path });
const NONE: Effect = { kind: 'none' };

interface Row {
  what: string;
  from: MenuState;
  key: Key;
  to: Partial<MenuState>;
  effect: Effect;
}

const rows: Row[] = [
  { what: 'down moves', from: base(), key: { name: 'down' }, to: { cursor: 1 }, effect: NONE },
  { what: 'down stops at the last', from: base({ cursor: 2 }), key: { name: 'down' }, to: { cursor: 2 }, effect: NONE },
  { what: 'up stops at the first', from: base(), key: { name: 'up' }, to: { cursor: 0 }, effect: NONE },
  { what: 'a move clears the message', from: base({ message: 'kept x' }), key: { name: 'down' }, to: { cursor: 1, message: '' }, effect: NONE },
  { what: 'q quits', from: base(), key: { str: 'q', name: 'q' }, to: {}, effect: { kind: 'quit', code: 0 } },
  { what: 'escape quits', from: base(), key: { name: 'escape' }, to: {}, effect: { kind: 'quit', code: 0 } },
  { what: 'ctrl-c quits with 130', from: base({ mode: prompt('2') }), key: { name: 'c', ctrl: true }, to: { mode: prompt('2') }, effect: { kind: 'quit', code: 130 } },
  { what: 'enter chooses the current path', from: base({ cursor: 1 }), key: { name: 'return' }, to: {}, effect: { kind: 'quit', code: 0, chosen: '/w/bb' } },
  { what: 'enter on an empty list does nothing', from: withItems(initialState(), []), key: { name: 'return' }, to: { items: [] }, effect: NONE },
  { what: 'k keeps the current one', from: base({ cursor: 2 }), key: { str: 'k', name: 'k' }, to: {}, effect: { kind: 'keep', path: '/w/cc' } },
  { what: 'e asks for a duration, keeping the message', from: base({ cursor: 1, message: 'kept aa' }), key: { str: 'e', name: 'e' }, to: { mode: prompt(''), message: 'kept aa' }, effect: NONE },
  { what: 'typing fills the prompt', from: base({ cursor: 1, mode: prompt('+') }), key: { str: '1', name: '1' }, to: { mode: prompt('+1') }, effect: NONE },
  { what: 'other characters are ignored', from: base({ cursor: 1, mode: prompt('2') }), key: { str: '!' }, to: { mode: prompt('2') }, effect: NONE },
  { what: 'backspace deletes', from: base({ cursor: 1, mode: prompt('2h') }), key: { name: 'backspace' }, to: { mode: prompt('2') }, effect: NONE },
  { what: 'enter extends by what was typed', from: base({ cursor: 1, mode: prompt(' +1h ') }), key: { name: 'return' }, to: { mode: { kind: 'browse' } }, effect: { kind: 'extend', path: '/w/bb', text: '+1h' } },
  { what: 'enter on an empty prompt does nothing', from: base({ cursor: 1, mode: prompt('  ') }), key: { name: 'enter' }, to: { mode: { kind: 'browse' } }, effect: NONE },
  { what: 'escape cancels the prompt', from: base({ cursor: 1, mode: prompt('2h') }), key: { name: 'escape' }, to: { mode: { kind: 'browse' }, message: 'cancelled' }, effect: NONE },
  { what: 'r asks to confirm', from: base({ cursor: 1 }), key: { str: 'r', name: 'r' }, to: { mode: confirm() }, effect: NONE },
  { what: 'd asks too', from: base({ cursor: 1 }), key: { str: 'd', name: 'd' }, to: { mode: confirm() }, effect: NONE },
  { what: 'y removes', from: base({ cursor: 1, mode: confirm() }), key: { str: 'y', name: 'y' }, to: { mode: { kind: 'browse' } }, effect: { kind: 'remove', path: '/w/bb' } },
  { what: 'Y removes', from: base({ cursor: 1, mode: confirm() }), key: { str: 'Y', name: 'y' }, to: { mode: { kind: 'browse' } }, effect: { kind: 'remove', path: '/w/bb' } },
  { what: 'anything else cancels', from: base({ cursor: 1, mode: confirm() }), key: { str: 'n', name: 'n' }, to: { mode: { kind: 'browse' }, message: 'cancelled' }, effect: NONE },
  { what: 'q in the confirm cancels, not quits', from: base({ cursor: 1, mode: confirm() }), key: { str: 'q', name: 'q' }, to: { mode: { kind: 'browse' }, message: 'cancelled' }, effect: NONE },
  { what: 'k on an empty list does nothing', from: withItems(initialState(), []), key: { str: 'k', name: 'k' }, to: { items: [] }, effect: NONE },
];

describe('menu: state + key -> state + effect', () => {
  for (const r of rows) {
    it(r.what, () => {
      const out = reduce(r.from, r.key);
      assert.deepEqual(out.effect, r.effect);
      assert.deepEqual(out.state, { ...r.from, ...r.to });
    });
  }
  it('after an effect: the message shown, items reloaded, the cursor kept within them', () => {
    const s = settled(base({ cursor: 2 }), 'removed /w/cc');
    const reloaded = withItems(s, ITEMS.slice(0, 2));
    assert.equal(reloaded.cursor, 1);
    assert.equal(reloaded.message, 'removed /w/cc');
  });
  it('the screen shows the list, the cursor, and the prompt or help line', () => {
    const opts = { emoji: false, paint: painter(false), rows: 24, columns: 80 };
    const screen = renderMenu(base({ cursor: 1 }), opts);
    assert.match(screen, /3 tracked directories/);
    assert.match(screen, /^> \[ok\] +bb/m);
    assert.match(screen, /q quit/);
    assert.match(renderMenu(base({ cursor: 1, mode: prompt('+1') }), opts), /extend bb by .*: \+1$/);
    assert.match(renderMenu(base({ cursor: 1, mode: confirm() }), opts), /remove bb and everything in it\? \[y\/N\] $/);
  });
});
