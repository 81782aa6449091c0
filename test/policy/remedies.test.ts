// The commands a person is told to run (prune, recover) come from one table
// (policy/remedies.ts): which located entries prune forgets, each remedy's
// command and effect, that every message and hint shows the same command,
// and that each command is one the CLI parses as meant.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RECOVER_COMMAND, prunable, recoveryChoices, remedyCommand, remedyText, type Remedied } from '../../src/policy/remedies';
import { BLOCKER_LABELS, explainModel } from '../../src/policy/explain';
import { decide } from '../../src/policy/decide';
import { describeJournal, RECOVERY_LABEL } from '../../src/policy/journal';
import { statusNote } from '../../src/policy/status';
import { unknownProbe, type Entry, type Probe } from '../../src/model/entry';
import { parseCommand, splitGlobal } from '../../src/cli/args';
import { isCommandName, loadCommand } from '../../src/cli/commands/index';
import { STAGING, ctx, entry, probe } from './fixtures';

const NAME = 'bold-stoat-e38ea190bce505e7';

describe('prunable', () => {
  const presences: Probe['presence'][] = ['present', 'missing', 'unavailable'];
  const identities: Probe['identity'][] = ['ours', 'foreign', 'unverified', 'unknown'];
  // Only "nothing there" and "provably another directory" are forgotten; never a guess.
  const expected = (p: Probe['presence'], i: Probe['identity']): 'missing' | 'replaced' | null =>
    p === 'missing' ? 'missing' : p === 'present' && i === 'foreign' ? 'replaced' : null;
  for (const p of presences) {
    for (const i of identities) {
      it(`${p} / ${i} -> ${String(expected(p, i))}`, () => assert.equal(prunable({ presence: p, identity: i }), expected(p, i)));
    }
  }
});

describe('remedyCommand and remedyText', () => {
  const rows: Array<{ state: Remedied; command: string; text: string }> = [
    { state: 'missing', command: 'ephemdir prune', text: '`ephemdir prune` forgets the entry' },
    { state: 'replaced', command: 'ephemdir prune', text: '`ephemdir prune` forgets the entry' },
    { state: 'recovery', command: `ephemdir recover ${NAME}`, text: `\`ephemdir recover ${NAME}\` finishes the deletion` },
    { state: 'parked', command: `ephemdir recover --forget ${NAME}`, text: `\`ephemdir recover --forget ${NAME}\` drops the entry (it deletes nothing)` },
    {
      state: 'staged',
      command: `ephemdir recover ${NAME}`,
      text: `\`ephemdir recover ${NAME}\` settles it now, as the next \`ephemdir sweep\` does (the deletion is finished, or a directory never moved is put back)`,
    },
  ];
  for (const r of rows) {
    it(r.state, () => {
      assert.equal(remedyCommand(r.state, NAME), r.command);
      assert.equal(remedyText(r.state, NAME), r.text);
    });
  }
  it('recoveryChoices names the retry and the forget command', () => {
    assert.equal(recoveryChoices(NAME), `ephemdir recover ${NAME} (retry) or ephemdir recover --forget ${NAME}`);
  });
});

describe('every remedy is a command line the CLI parses as meant', () => {
  const rows: Array<{ state: Remedied; command: string; positionals: string[]; forget?: boolean }> = [
    { state: 'missing', command: 'prune', positionals: [] },
    { state: 'replaced', command: 'prune', positionals: [] },
    { state: 'recovery', command: 'recover', positionals: [NAME], forget: false },
    { state: 'parked', command: 'recover', positionals: [NAME], forget: true },
    { state: 'staged', command: 'recover', positionals: [NAME], forget: false },
  ];
  for (const r of rows) {
    it(r.state, () => {
      const [program, ...argv] = remedyCommand(r.state, NAME).split(' ');
      assert.equal(program, 'ephemdir');
      const { globals, command, rest } = splitGlobal(argv);
      assert.equal(command, r.command);
      assert.ok(isCommandName(command!));
      const parsed = parseCommand(loadCommand(command as Parameters<typeof loadCommand>[0]), rest, globals);
      assert.deepEqual(parsed.positionals, r.positionals);
      if (r.forget !== undefined) assert.equal(parsed.opts.forget, r.forget);
    });
  }
  it('both recovery choices parse', () => {
    for (const choice of recoveryChoices(NAME).split(' (retry) or ')) {
      const { command, rest, globals } = splitGlobal(choice.split(' ').slice(1));
      assert.equal(command, 'recover');
      assert.deepEqual(parseCommand(loadCommand('recover'), rest, globals).positionals, [NAME]);
    }
  });
});

describe('messages, hints and notes show the table\'s command', () => {
  const c = ctx();
  function model(e: Partial<Entry>, p: Probe) {
    const en = entry(e);
    return explainModel(en, p, decide(en, p, c), c);
  }
  it('explain: a missing entry hints prune', () => {
    assert.equal(model({}, unknownProbe('missing')).hint, remedyCommand('missing', NAME));
  });
  it('explain: a replaced entry hints prune (prune forgets it)', () => {
    const m = model({}, probe({ identity: 'foreign' }));
    assert.equal(m.listStatus, 'replaced');
    assert.equal(m.hint, remedyCommand('replaced', NAME));
  });
  it('explain and journal: a recovery entry hints recover; its blocker offers both choices', () => {
    const e = entry({ state: 'recovery', stagingPath: STAGING });
    const m = model(e, unknownProbe('missing'));
    assert.equal(m.hint, remedyCommand('recovery', e.name));
    assert.equal(describeJournal(e).hint, remedyCommand('recovery', e.name));
    assert.ok(m.verdict.includes(remedyCommand('recovery', e.name)), m.verdict);
    assert.equal(m.blockers.find((b) => b.code === 'recovery-required')!.detail, recoveryChoices(e.name));
    assert.ok(BLOCKER_LABELS['recovery-required'].endsWith(RECOVER_COMMAND));
  });
  it('list: the recovery note is the same for a journal entry and for a recovery status', () => {
    const e = entry({ state: 'recovery', stagingPath: STAGING });
    assert.equal(describeJournal(e).label, RECOVERY_LABEL);
    assert.equal(statusNote('recovery', e, c), RECOVERY_LABEL);
    assert.ok(RECOVERY_LABEL.endsWith(RECOVER_COMMAND));
  });
});
