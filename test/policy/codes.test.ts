// Every code a public result can carry is in a documented list: the tables
// of docs/cli.md ("Codes") name exactly the codes of the exported lists, in
// their order, and every code-keyed table of the policy covers every code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/cli';
import { BLOCKER_CODES, BLOCKER_ERRORS, NOTE_CODES, REASON_CODES, SWEEP_REASON_CODES, SWEEP_REASON_EXTRAS } from '../../src/policy/codes';
import { STATUSES } from '../../src/policy/status';
import { ErrorCodes } from '../../src/errors';

function codesSection(): string {
  const doc = fs.readFileSync(path.join(repoRoot(), 'docs', 'cli.md'), 'utf8');
  const start = doc.indexOf('### Codes');
  assert.ok(start >= 0, 'docs/cli.md has a "Codes" section');
  const end = doc.indexOf('\n#', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** The first-column codes of each table in the section, table by table. */
function tables(section: string): string[][] {
  const out: string[][] = [];
  let current: string[] | null = null;
  for (const line of section.split('\n')) {
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (row) {
      current ??= [];
      current.push(row[1]!);
    } else if (!line.startsWith('|')) {
      if (current) out.push(current);
      current = null;
    }
  }
  if (current) out.push(current);
  return out;
}

describe('documented codes', () => {
  const section = codesSection();
  const [reasons, extras, blockers, notes] = tables(section);
  it('reasons', () => assert.deepEqual(reasons, [...REASON_CODES]));
  it('the extra reasons of sweep reports', () => {
    assert.deepEqual(extras, [...SWEEP_REASON_EXTRAS]);
    assert.deepEqual([...SWEEP_REASON_CODES], [...REASON_CODES, ...SWEEP_REASON_EXTRAS]);
  });
  it('blockers', () => assert.deepEqual(blockers, [...BLOCKER_CODES]));
  it('notes', () => assert.deepEqual(notes, [...NOTE_CODES]));
  it('list statuses', () => {
    const sentence = /is one of\s+([\s\S]*?)\(see/.exec(section)?.[1] ?? '';
    assert.deepEqual([...sentence.matchAll(/`([^`]+)`/g)].map((m) => m[1]), [...STATUSES]);
  });
});

describe('BLOCKER_ERRORS', () => {
  it('maps every blocker to a documented error code', () => {
    const known = new Set<string>(Object.values(ErrorCodes));
    for (const code of BLOCKER_CODES) assert.ok(known.has(BLOCKER_ERRORS[code]), code);
  });
  it('keeps the codes refused removals have always had', () => {
    assert.equal(BLOCKER_ERRORS['in-use'], ErrorCodes.IN_USE);
    assert.equal(BLOCKER_ERRORS.locked, ErrorCodes.IN_USE);
    assert.equal(BLOCKER_ERRORS['identity-changed'], ErrorCodes.NOT_OURS);
    assert.equal(BLOCKER_ERRORS['ownership-unverified'], ErrorCodes.NOT_OURS);
    assert.equal(BLOCKER_ERRORS['path-missing'], ErrorCodes.INVALID_STATE);
  });
});
