// Table tests for the input checkers: "this value is accepted as that" and
// "this value is refused with EPHEMDIR_INVALID_ARGUMENT, naming it".
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { EphemdirError } from '../../src/errors';

/** `fn` throws an EPHEMDIR_INVALID_ARGUMENT EphemdirError whose message shows `shown` (and matches `reason`). */
export function assertInvalid(fn: () => unknown, shown: string, reason?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EphemdirError, `expected EphemdirError, got ${String(err)}`);
    assert.equal(err.code, 'EPHEMDIR_INVALID_ARGUMENT');
    assert.ok(err.message.includes(shown), `message ${JSON.stringify(err.message)} should contain ${shown}`);
    if (reason) assert.match(err.message, reason);
    return true;
  });
}

/** Rows of [input, what the message must show, what it must also match]. */
export type Invalid = Array<[unknown, string, RegExp?]>;

/** A short test-title form of any input: bigint as 12n, non-finite numbers by name, the rest as JSON cut at 40. */
export function label(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}

/** One test per row: `fn(input)` deep-strict-equals `expected`. */
export function itMaps<T>(fn: (input: never) => T, cases: ReadonlyArray<readonly [unknown, T]>): void {
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.deepEqual(fn(input as never), expected));
  }
}

/** One test per row: `fn(input)` is refused (see assertInvalid). */
export function itRejects(fn: (input: never) => unknown, cases: Invalid): void {
  for (const [input, shown, reason] of cases) {
    it(`rejects ${label(input)}`, () => assertInvalid(() => fn(input as never), shown, reason));
  }
}
