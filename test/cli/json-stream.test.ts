// `list --json` and `tree --json` are written in pieces (arrayChunks through
// outChunks) so 100,000 entries are never one string: the pieces must join to
// exactly what stringify() gives for the whole array, escapes included, and
// the writer must wait for a slow reader and stop for a closed one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { arrayChunks, stringify } from '../../src/cli/json';
import { makeCtx, outChunks, type Streams } from '../../src/cli/io';

const awkward = ['plain', 'new\nline', 'tab\t', 'bidi \u202e evil', 'zero\u200bwidth', 'del\u007f', 'nel\u0085', 'emoji 🧹', 'quote " and \\', 'ls\u2028ps\u2029', ''];

function items(n: number): { i: number; name: string; tags: string[]; nested: { a: null; b: number[]; c: Record<string, never> } }[] {
  return Array.from({ length: n }, (_, i) => ({ i, name: awkward[i % awkward.length]!, tags: i % 3 ? [] : ['x', awkward[(i + 1) % awkward.length]!], nested: { a: null, b: i % 2 ? [i, -i] : [], c: {} } }));
}

test('arrayChunks joins to stringify(array) for 0, 1, 2 and 1,234 elements', () => {
  for (const n of [0, 1, 2, 499, 500, 501, 1234]) {
    const xs = items(n);
    const chunks = [...arrayChunks(xs, (x) => ({ ...x, doubled: x.i * 2 }))];
    const whole = stringify(xs.map((x) => ({ ...x, doubled: x.i * 2 })));
    assert.equal(chunks.join(''), whole, `n=${n}`);
    assert.ok(chunks.length >= Math.ceil(n / 500), `n=${n}: written in pieces`);
    if (n > 500) assert.ok(chunks.every((c) => c.length < whole.length), 'no piece is the whole text');
  }
});

function collector(highWaterMark: number, delayMs: number): { stream: Writable & { isTTY?: boolean }; text: () => string; maxPending: () => number } {
  const got: string[] = [];
  let pending = 0;
  let maxPending = 0;
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      pending = stream.writableLength;
      maxPending = Math.max(maxPending, pending);
      got.push(chunk.toString());
      setTimeout(cb, delayMs);
    },
  });
  return { stream, text: () => got.join(''), maxPending: () => maxPending };
}

test('outChunks waits for a slow reader to drain and keeps the order', async () => {
  const c = collector(1024, 1);
  const streams = { stdout: c.stream, stderr: new Writable({ write: (_c, _e, cb) => cb() }), stdin: process.stdin } as unknown as Streams;
  const ctx = makeCtx('list', { verbosity: 0, colorMode: 'never' }, streams, {});
  const xs = items(1500);
  await outChunks(ctx, arrayChunks(xs, (x) => x));
  await new Promise<void>((resolve) => c.stream.end(resolve));
  assert.equal(c.text(), stringify(xs));
  // Never more than one piece waited in the stream's buffer: it drained before the next.
  const biggest = Math.max(...[...arrayChunks(xs, (x) => x)].map((s) => Buffer.byteLength(s)));
  assert.ok(c.maxPending() <= biggest, `buffered ${c.maxPending()} bytes, a piece is at most ${biggest}`);
});

test('outChunks stops when the reader goes away', async () => {
  let written = 0;
  const stream = new Writable({
    highWaterMark: 16,
    write(_chunk, _enc, cb) {
      // The reader reads two pieces, then closes (as `| head` does).
      if (++written > 2) stream.destroy();
      else setImmediate(cb);
    },
  });
  stream.on('error', () => undefined);
  const streams = { stdout: stream, stderr: new Writable({ write: (_c, _e, cb) => cb() }), stdin: process.stdin } as unknown as Streams;
  const ctx = makeCtx('list', { verbosity: 0, colorMode: 'never' }, streams, {});
  let pulled = 0;
  function* many(): Generator<string> {
    for (let i = 0; i < 1000; i++) {
      pulled++;
      yield 'x'.repeat(100);
    }
  }
  await outChunks(ctx, many());
  assert.ok(pulled < 1000, `stopped after ${pulled} pieces (${written} written)`);
});
