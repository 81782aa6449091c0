import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as path from 'node:path';
import { decodeEntry, encodeEntry, extrasOf, isNormalAbsolute, sanitizeLastError, MAX_ENTRY_BYTES } from '../../src/store/entry-codec';
import { EphemdirError, ErrorCodes } from '../../src/errors';
import { makeEntry } from './_helpers';

const ID = '0123456789abcdef0123456789abcdef';

function bytesOf(o: unknown): Buffer {
  return Buffer.from(JSON.stringify(o));
}

function rejects(o: unknown, re: RegExp, id = ID): void {
  assert.throws(() => decodeEntry(typeof o === 'string' || Buffer.isBuffer(o) ? Buffer.from(o as string) : bytesOf(o), id), (err: unknown) => {
    assert.ok(err instanceof EphemdirError);
    assert.equal(err.code, ErrorCodes.REGISTRY_UNUSABLE);
    assert.match(err.message, re);
    return true;
  });
}

test('encode/decode round trip, schema first', () => {
  const e = makeEntry({ id: ID, tags: ['a', 'b'], description: 'x', state: 'deleting', stagingPath: '/s/.x.deleting', claimId: 'f'.repeat(32) });
  const data = encodeEntry(e);
  assert.ok(data.toString().startsWith('{\n  "schema": 1,'));
  assert.deepEqual(decodeEntry(data, ID), e);
});

test('field types, ranges and state invariants', () => {
  const base = { schema: 1, ...makeEntry({ id: ID }) };
  rejects({ ...base, schema: undefined }, /schema/);
  rejects({ ...base, createdAt: '1' }, /createdAt must be a finite number/);
  rejects({ ...base, expiresAt: true }, /expiresAt/);
  rejects({ ...base, dev: -1 }, /dev must be a non-negative integer/);
  rejects({ ...base, ino: 1.5 }, /ino/);
  rejects({ ...base, state: 'gone' }, /state must be one of/);
  rejects({ ...base, path: 'relative/x', parent: 'relative' }, /absolute/);
  rejects({ ...base, path: '/a/../b', parent: '/a/..', name: 'b' }, /normalised/);
  rejects({ ...base, name: 'other' }, /parent\/name/);
  rejects({ ...base, description: 'line\nbreak' }, /control character/);
  rejects({ ...base, description: 'bidi\u2028' }, /control character/);
  rejects({ ...base, bootId: '../../x' }, /bootId/);
  rejects({ ...base, claimId: 'F'.repeat(32) }, /claimId/);
  rejects({ ...base, claimId: 'f'.repeat(32) }, /active entry has no claimId/);
  rejects({ ...base, stagingPath: '/x/y' }, /active entry/);
  rejects({ ...base, state: 'moving', claimId: 'f'.repeat(32) }, /needs a stagingPath/);
  rejects({ ...base, state: 'recovery', claimId: 'f'.repeat(32) }, /recovery entry has no claimId/);
  rejects({ ...base, tags: 'x' }, /tags must be an array/);
  rejects({ ...base, cleanup: 'never' }, /cleanup/);
  rejects({ ...base, platform: 'win32' }, /platform/);
  rejects({ ...base, uid: undefined }, /missing field uid/);
  rejects([base], /not a JSON object/);
  rejects('{"schema":1,', /not valid JSON/);
  rejects(' '.repeat(MAX_ENTRY_BYTES + 1), /larger than/);
  rejects({ ...base, id: 'a'.repeat(32) }, /does not match the file name/);
  rejects({ ...base, futureField: JSON.parse('['.repeat(100) + ']'.repeat(100)) }, /nested too deeply/);
  // Valid journal states: moving/deleting may have a null claim after an interrupted attempt.
  decodeEntry(bytesOf({ ...base, state: 'deleting', stagingPath: '/s/.x.deleting', claimId: null, lastError: 'EACCES' }), ID);
  decodeEntry(bytesOf({ ...base, state: 'moving', stagingPath: '/s/.x.deleting', claimId: null }), ID);
  decodeEntry(bytesOf({ ...base, state: 'recovery', stagingPath: '/s/.x.deleting' }), ID);
});

test('plain-ASCII files skip no check: the same limits hold with and without escapes', () => {
  const base = { schema: 1, ...makeEntry({ id: ID }) };
  // Each case twice: as plain ASCII (the fast path) and with a harmless \u0061
  // escape elsewhere in the file (the general path). Both must agree.
  const escaped = (o: object) => Buffer.from(JSON.stringify(o).replace('"schema"', '"sch\\u0065ma"'));
  const cases: [object, RegExp | null][] = [
    [{ ...base, description: 'd'.repeat(4096) }, null],
    [{ ...base, description: 'd'.repeat(4097) }, /description is longer than 4096 bytes/],
    [{ ...base, tags: ['t'.repeat(257)] }, /tags\[0\] is longer than 256 bytes/],
    [{ ...base, tags: [''] }, /tags\[0\] is empty/],
    [{ ...base, lastError: 'e'.repeat(1025) }, /lastError is longer/],
    [{ ...base, path: '/x//y', parent: '/x/', name: 'y' }, /normalised/],
  ];
  for (const [o, re] of cases) {
    for (const data of [bytesOf(o), escaped(o)]) {
      if (re === null) assert.deepEqual(decodeEntry(data, ID), decodeEntry(bytesOf(o), ID));
      else assert.throws(() => decodeEntry(data, ID), re);
    }
  }
  // Characters only the general path sees: escapes, DEL, multi-byte text.
  rejects(Buffer.from(JSON.stringify({ ...base, description: 'a\x7fb' })), /control character/);
  rejects(Buffer.from(JSON.stringify({ ...base, description: 'lone \ud800' })), /control character/);
  rejects({ ...base, description: '\u00e9'.repeat(2049) }, /description is longer than 4096 bytes/);
  assert.equal(decodeEntry(bytesOf({ ...base, description: '\u00e9'.repeat(2048) }), ID).description, '\u00e9'.repeat(2048));
  assert.equal(decodeEntry(bytesOf({ ...base, description: 'emoji \u{1F600}' }), ID).description, 'emoji \u{1F600}');
});

test('property: isNormalAbsolute agrees with path.posix.normalize', () => {
  const reference = (s: string) => s.startsWith('/') && path.posix.normalize(s) === s && !(s.length > 1 && s.endsWith('/'));
  fc.assert(
    fc.property(fc.array(fc.constantFrom('/', '.', 'a', '..', '//'), { maxLength: 12 }), (parts) => {
      const s = parts.join('');
      assert.equal(isNormalAbsolute(s), reference(s), s);
    }),
    { numRuns: 5000 },
  );
});

test('unknown fields are kept aside and written back', () => {
  const raw = { schema: 1, ...makeEntry({ id: ID }), zzz: { a: [1] } };
  const e = decodeEntry(bytesOf(raw), ID);
  assert.deepEqual(Object.keys(e).includes('zzz'), false);
  assert.deepEqual(extrasOf(e), [['zzz', { a: [1] }]]);
  assert.deepEqual(JSON.parse(encodeEntry(e).toString()).zzz, { a: [1] });
  // A spread copy loses the hidden extras; the registry's update re-attaches the on-disk ones.
  assert.deepEqual(extrasOf({ ...e }), []);
});

test('encode refuses entries that would not decode; lastError is sanitised', () => {
  assert.throws(() => encodeEntry(makeEntry({ id: 'nope' })), { code: ErrorCodes.INVALID_ARGUMENT });
  assert.throws(() => encodeEntry(makeEntry({ expiresAt: Number.NaN })), { code: ErrorCodes.INVALID_ARGUMENT });
  assert.equal(sanitizeLastError('a\nb\u0000'), 'a\\u000ab\\u0000');
  const long = sanitizeLastError('é'.repeat(2000));
  assert.ok(Buffer.byteLength(long) <= 1024);
  assert.ok(long.endsWith('...'));
});

test('property: the decoder throws only EphemdirError, on random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
      try {
        decodeEntry(b, ID);
      } catch (err) {
        return err instanceof EphemdirError && err.code === ErrorCodes.REGISTRY_UNUSABLE;
      }
      return true;
    }),
    { numRuns: 2000 },
  );
});

test('property: the decoder throws only EphemdirError, on random JSON and mutated entries', () => {
  const valid = { schema: 1, ...makeEntry({ id: ID }) };
  const keys = Object.keys(valid);
  const mutated = fc
    .record({ key: fc.constantFrom(...keys, '__proto__', 'constructor', 'x'), value: fc.jsonValue() })
    .map(({ key, value }) => JSON.stringify({ ...valid, [key]: value }));
  fc.assert(
    fc.property(fc.oneof(fc.json(), mutated, fc.string()), (text) => {
      try {
        const e = decodeEntry(Buffer.from(text), ID);
        // Whatever decodes must encode and decode back to itself.
        assert.deepEqual(decodeEntry(encodeEntry(e), ID), e);
      } catch (err) {
        return err instanceof EphemdirError && err.code === ErrorCodes.REGISTRY_UNUSABLE;
      }
      return true;
    }),
    { numRuns: 3000 },
  );
});
