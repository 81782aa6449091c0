// The bin writes a pipe or file directly (src/cli/stdio.ts) rather than
// through node's stream: nothing may be lost or reordered, a non-blocking
// pipe (EAGAIN) must fall back to node's stream, a closed reader must end in
// an 'error' event (EPIPE), not a throw, and the bin must not build node's
// stream machinery for a pipe at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { MAIN } from '../helpers/cli';

const STDIO = path.join(__dirname, '..', '..', 'src', 'cli', 'stdio.js');

/** A child that writes `pieces` pieces of `size` bytes each (piece i filled with letter i % 26) through stdioWriter(1). */
function writerScript(pieces: number, size: number): string {
  return `
const { stdioWriter } = require(${JSON.stringify(STDIO)});
const out = stdioWriter(1);
let callbacks = 0;
out.on('error', (e) => { require('fs').writeSync(2, 'ERROR ' + e.code + '\\n'); });
for (let i = 0; i < ${pieces}; i++) out.write(String.fromCharCode(97 + (i % 26)).repeat(${size}), () => { callbacks++; });
out.write('', () => require('fs').writeSync(2, 'DONE ' + callbacks + ' ' + (out.isTTY === true) + '\\n'));`;
}

function check(text: string, pieces: number, size: number): void {
  assert.equal(text.length, pieces * size);
  for (let i = 0; i < pieces; i++) {
    const piece = text.slice(i * size, (i + 1) * size);
    assert.equal(piece, String.fromCharCode(97 + (i % 26)).repeat(size), `piece ${i} intact and in order`);
  }
}

test('a pipe gets every byte in order; callbacks run', () => {
  const r = spawnSync(process.execPath, ['-e', writerScript(40, 10000)], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, r.stderr);
  check(r.stdout, 40, 10000);
  assert.match(r.stderr, /^DONE 40 false\n$/);
});

test('a non-blocking pipe (EAGAIN) with a slow reader falls back to node\'s stream without losing bytes', async () => {
  // Building node's own stdout stream sets O_NONBLOCK on the pipe (libuv), as another
  // process sharing the pipe could: the direct writes then meet EAGAIN once the pipe is full.
  const pieces = 64;
  const size = 16384; // 1 MiB in all: far more than a pipe holds
  const child = spawn(process.execPath, ['-e', `void process.stdout;${writerScript(pieces, size)}`]);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.pause();
  setTimeout(() => child.stdout.on('data', (b: Buffer) => out.push(b)).resume(), 300);
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, Buffer.concat(err).toString());
  check(Buffer.concat(out).toString('latin1'), pieces, size);
  assert.match(Buffer.concat(err).toString(), /^DONE 64 false\n$/);
});

test('a reader that went away gives an EPIPE error event, not a throw', () => {
  // `| true` closes the pipe at once; the child keeps writing until the kernel says EPIPE.
  const r = spawnSync('sh', ['-c', `"$0" -e "$1" | true`, process.execPath, writerScript(200, 65536)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /ERROR EPIPE/);
  assert.equal(r.stderr.match(/ERROR/g)?.length, 1, 'one error event; later writes get it in their callback');
  assert.doesNotMatch(r.stderr, /Uncaught|throw/);
});

test('the bin does not build node\'s stdout/stderr streams for pipes (list, --version, an error)', () => {
  const probe = `process.on('exit', () => require('fs').writeSync(2, '\\nSTREAM-LOADED ' + process.moduleLoadList.includes('NativeModule stream') + '\\n'));`;
  for (const args of [['--version'], ['list', '--data-dir', '/nonexistent-ephemdir-test'], ['lsit']]) {
    // Run as the main module (require.main === module), after the probe is in place.
    const run = `${probe}process.argv.splice(1, 1, ${JSON.stringify(MAIN)}, ...${JSON.stringify(args)});require('module').runMain();`;
    const r = spawnSync(process.execPath, ['-e', run, 'placeholder'], { encoding: 'utf8' });
    assert.match(r.stderr, /STREAM-LOADED false/, `${args.join(' ')}: ${r.stderr}`);
    if (args[0] === '--version') assert.match(r.stdout, /^ephemdir \d/);
  }
});

test('the bin\'s output through a pipe cut short (| head) ends quietly with 0', () => {
  const r = spawnSync('sh', ['-c', `"$0" "$1" --help | head -c 10`, process.execPath, MAIN], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stdout.length, 10);
});
