// Child process for the store tests: real registry code in a separate process.
//   create <n>          create n fresh entries, incrementing `created` for each
//   incr <id> <n>       n times: update(id) adding 1 to entry.ino
//   hold <id> <ms>      take lockEntry(id), print "locked", hold for ms
//   list                print {entries, problems} counts as JSON
import { Registry } from '../../src/store/registry';
import { makeEntry } from './_helpers';

const [cmd, a, b] = process.argv.slice(2);
const reg = Registry.open({ create: true })!;
try {
  if (cmd === 'create') {
    for (let i = 0; i < Number(a); i++) {
      reg.create(makeEntry({ createdAt: Date.now() / 1000 }));
      reg.incrementStat('created');
    }
  } else if (cmd === 'incr') {
    for (let i = 0; i < Number(b); i++) {
      reg.update(a!, (cur) => ({ entry: cur && { ...cur, ino: cur.ino + 1 }, result: undefined }), { waitMs: 30_000 });
    }
  } else if (cmd === 'hold') {
    const lock = reg.lockEntry(a!);
    if (!lock) throw new Error('busy');
    process.stdout.write('locked\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(b));
    lock.release();
  } else if (cmd === 'list') {
    const l = reg.list();
    process.stdout.write(`${JSON.stringify({ entries: l.entries.length, problems: l.problems.map((p) => p.reason) })}\n`);
  } else {
    throw new Error(`unknown command ${cmd}`);
  }
} finally {
  reg.close();
}
