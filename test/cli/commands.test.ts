// The command list and the declarations each command file makes: every entry
// loads a command of its own name, visible commands have a summary and an
// example, options read back as typed fields under their camelCase names, and
// no command is reached by falling through to another.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultGlobals, parseCommand } from '../../src/cli/args';
import { COMMAND_NAMES, isCommandName, loadCommand, visibleCommands } from '../../src/cli/commands/index';
import { camelName } from '../../src/cli/spec';
import { repoRoot } from '../helpers/cli';

describe('the command list', () => {
  it('each entry loads the command that declares that name', () => {
    assert.equal(new Set(COMMAND_NAMES).size, COMMAND_NAMES.length);
    for (const name of COMMAND_NAMES) {
      const c = loadCommand(name);
      assert.equal(c.name, name);
      assert.equal(typeof c.run, 'function', `${name} has code`);
    }
  });
  it('every visible command has a summary, an example, and a run of its own', () => {
    const runs = new Set<unknown>();
    for (const c of visibleCommands()) {
      assert.ok(c.summary.length > 0, c.name);
      assert.ok(c.examples.length > 0, `${c.name} has an example`);
      assert.ok(c.examples.some((e) => /\bephemdir\b/.test(e.run)), `${c.name}'s examples run ephemdir`);
      assert.ok(!runs.has(c.run), `${c.name} shares its run with another command`);
      runs.add(c.run);
    }
    assert.deepEqual(COMMAND_NAMES.filter((n) => !visibleCommands().some((c) => c.name === n)), ['__complete']);
  });
  it('every command file is in the list (a file left out would never run)', () => {
    // The sources, not the build output (which may hold files of commands since removed).
    const dir = path.join(repoRoot(), 'src', 'cli', 'commands');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -'.ts'.length));
    assert.deepEqual(files.filter((f) => f !== 'index').sort(), [...COMMAND_NAMES].sort());
  });
  it('an unknown name is not a command (no default)', () => {
    for (const name of ['touch', 'constructor', 'toString', '__proto__', '']) assert.equal(isCommandName(name), false, name);
  });
  it('options come back under their camelCase names with their types: flags boolean, repeatable lists, others strings', () => {
    assert.equal(camelName('dry-run'), 'dryRun');
    assert.equal(camelName('no-keep-while-in-use'), 'noKeepWhileInUse');
    for (const c of visibleCommands()) {
      const empty = parseCommand(c, Array(c.minArgs).fill('x'), defaultGlobals()).opts;
      assert.deepEqual(Object.keys(empty).sort(), Object.keys(c.options).map(camelName).sort(), c.name);
      for (const [name, o] of Object.entries(c.options)) {
        const v = empty[camelName(name)];
        if (o.type === 'boolean') assert.equal(v, false, `${c.name} --${name}`);
        else if (o.multiple) assert.deepEqual(v, [], `${c.name} --${name}`);
        else assert.equal(v, undefined, `${c.name} --${name}`);
      }
    }
    const rm = parseCommand(loadCommand('rm'), ['-n', '--tag', 'a', '--tag', 'b'], defaultGlobals()).opts;
    assert.deepEqual(rm, { tag: ['a', 'b'], dryRun: true });
    const stats = parseCommand(loadCommand('stats'), ['--format', 'prometheus'], defaultGlobals()).opts;
    assert.deepEqual(stats, { json: false, format: 'prometheus' });
  });
});
