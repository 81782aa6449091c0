// The table of public calls (test/helpers/public-calls.ts) covers every
// export of the package, every signature, and every positional argument and
// option of each: a new export, method or option without a schema and a row
// fails here. (That the table lists every key of each options type is
// checked by the compiler: see Bad<T>.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as pkg from '../../src/index';
import * as testing from '../../src/testing';
import type { Signature } from '../../src/core/options';
import { API_SIGNATURES } from '../../src/api/signatures';
import { FS_SIGNATURES } from '../../src/fs/signatures';
import { COMPANION_SIGNATURES } from '../../src/companions/signatures';
import { EXPORTS, TESTING_EXPORTS, publicCalls, takesArguments, type Fixtures } from '../helpers/public-calls';

const ALL_SIGNATURES: Signature[] = [...API_SIGNATURES, ...FS_SIGNATURES, ...COMPANION_SIGNATURES];
// Only names and keys are read here; no row is called.
const CASES = publicCalls({ env: { root: '/nonexistent', work: '/nonexistent' } } as Fixtures);

function signatureOf(name: string): Signature {
  const sig = ALL_SIGNATURES.find((s) => s.name === name);
  if (!sig) throw new Error(`no signature named ${name}`);
  return sig;
}

describe('coverage', () => {
  it('every export of the package is listed, and nothing else', () => {
    assert.deepEqual(Object.keys(pkg).sort(), Object.keys(EXPORTS).sort());
  });

  it('every export of ephemdir/testing is listed, and nothing else', () => {
    assert.deepEqual(Object.keys(testing).sort(), Object.keys(TESTING_EXPORTS).sort());
  });

  it('every export that takes arguments has its signatures; the rest take none', () => {
    type Kind = (typeof EXPORTS)[string];
    const all: Array<[string, unknown, Kind]> = [
      ...Object.entries(EXPORTS).map(([n, k]): [string, unknown, Kind] => [n, (pkg as Record<string, unknown>)[n], k]),
      ...Object.entries(TESTING_EXPORTS).map(([n, k]): [string, unknown, Kind] => [n, (testing as Record<string, unknown>)[n], k]),
    ];
    for (const [name, value, kind] of all) {
      if ('notCallable' in kind) assert.notEqual(typeof value, 'function', name);
      if ('noArguments' in kind) assert.deepEqual(takesArguments(value), [], `${name} takes arguments: give it a signature`);
      if ('signatures' in kind) {
        for (const s of kind.signatures) signatureOf(s);
        for (const method of takesArguments(value)) {
          const covered = kind.signatures.includes(method) || (kind.exemptMethods !== undefined && method in kind.exemptMethods);
          assert.ok(covered, `${method} takes arguments but has no signature`);
        }
      }
    }
  });

  it('every signature has a row, and each row has bad values for exactly its arguments and options', () => {
    const listed = new Set([...Object.values(EXPORTS), ...Object.values(TESTING_EXPORTS)].flatMap((k) => ('signatures' in k ? k.signatures : [])));
    for (const sig of ALL_SIGNATURES) {
      assert.ok(listed.has(sig.name), `${sig.name} is not reachable from an export in EXPORTS`);
      const c = CASES.find((x) => x.name === sig.name);
      assert.ok(c, `no row for ${sig.name}`);
      assert.deepEqual(Object.keys(c.badArgs).sort(), sig.args.map(([n]) => n).sort(), `${sig.name}: positional arguments`);
      assert.deepEqual(Object.keys(c.badOptions ?? {}).sort(), Object.keys(sig.options ?? {}).sort(), `${sig.name}: options`);
      for (const [k, v] of [...Object.entries(c.badArgs), ...Object.entries(c.badOptions ?? {})]) assert.ok(v.length > 0, `${sig.name}: ${k}`);
    }
    assert.equal(CASES.length, ALL_SIGNATURES.length);
  });
});
