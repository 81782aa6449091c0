// The benchmark's targets table (bench/targets.js): rows collected from the
// sections print in the speed issue's order, each marked met / NOT met, and
// every row of the issue's table that no section produced is named as not
// measured. Pure functions over plain rows: tables, no benchmark runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { repoRoot } from '../package/packing';

interface Row { key: string; measure?: string; value?: string; floor?: string; floorName?: string; ratio?: number; target?: string; met?: unknown; note?: string; section?: string }
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: a CommonJS module of the checkout's bench/ (outside the TS project)
const t = require(path.join(repoRoot(__dirname), 'bench', 'targets.js')) as {
  EXPECTED: { key: string; prefix?: boolean; measure: string }[];
  NOT_MEASURED: string;
  collectTargets(section: string, result: unknown): Row[];
  orderTargets(rows: Row[]): (Row & { missing?: boolean; unlisted?: boolean; malformed?: boolean })[];
  targetLines(rows: Row[]): string[];
  targetSummary(rows: Row[]): { rows: Row[]; counts: Record<string, number> };
};

/** The issue's order, remove-* standing for the removal family. */
const ISSUE_ORDER = ['sweep-1000', 'sweep-10000', 'tempdirSync-median', 'tempdir-p99-backlog', 'list-1000', 'new-1000', 'list-json-100000', 'presweep-scheduled', 'list-100000', 'new-100000', 'remove-*'];

function row(key: string, met: unknown, extra: Partial<Row> = {}): Row {
  return { key, measure: `measure of ${key}`, value: '1.00 s', floor: '0.50 s', floorName: 'peer', ratio: 2, target: '<= 3x the floor', met, ...extra };
}

/** The table's body lines (between the dashes line and the first blank line), keyed by their first cell. */
function body(lines: string[]): { key: string; line: string }[] {
  const start = lines.findIndex((l) => /^-+\s/.test(l)) + 1;
  const end = lines.indexOf('', start);
  return lines.slice(start, end === -1 ? undefined : end).map((line) => ({ key: line.split(/\s+/)[0], line }));
}

function summary(lines: string[]): string {
  return lines.filter((l) => l.startsWith('targets: ')).at(-1) ?? '';
}

test('the expected keys are the issue table in its order', () => {
  assert.deepEqual(t.EXPECTED.map((e) => (e.prefix ? `${e.key}*` : e.key)), ISSUE_ORDER);
});

test('rows print in the issue order whatever order the sections returned them in', () => {
  const keys = ['list-1000', 'remove-rmrf-100x1000', 'sweep-10000', 'new-100000', 'tempdir-p99-backlog', 'sweep-1000', 'presweep-scheduled', 'new-1000', 'list-json-100000', 'remove-rimraf-100x1000', 'tempdirSync-median', 'list-100000'];
  const lines = t.targetLines(keys.map((k, i) => row(k, i % 2 === 0)));
  assert.deepEqual(body(lines).map((b) => b.key), [...ISSUE_ORDER.slice(0, -1), 'remove-rmrf-100x1000', 'remove-rimraf-100x1000']);
  assert.equal(lines.filter((l) => l.includes(t.NOT_MEASURED) && !l.startsWith('targets:')).length, 0);
  assert.equal(summary(lines), 'targets: 6 met, 6 NOT met, 0 not measured in this run');
});

test('each row is marked met / NOT met / no verdict from its met field', () => {
  const table: [unknown, string][] = [
    [true, 'met'],
    [false, 'NOT met'],
    [undefined, 'no verdict'],
    ['yes', 'no verdict'],
    [1, 'no verdict'],
  ];
  for (const [met, verdict] of table) {
    const line = body(t.targetLines([row('sweep-1000', met)])).find((b) => b.key === 'sweep-1000')!.line;
    assert.ok(line.endsWith(`  ${verdict}`), `${String(met)} -> ${line}`);
    if (verdict !== 'NOT met') assert.doesNotMatch(line, /NOT met/);
  }
});

test('a row shows its value, its floor with the floor\'s name, the ratio and the target', () => {
  const line = body(t.targetLines([row('tempdirSync-median', true, { value: '0.41 ms', floor: '0.20 ms', floorName: 'mkdtemp+fsync', ratio: 2.049, target: '<= 2x the floor' })])).find((b) => b.key === 'tempdirSync-median')!.line;
  for (const cell of ['measure of tempdirSync-median', '0.41 ms', '0.20 ms (mkdtemp+fsync)', '2.05x', '<= 2x the floor', 'met']) assert.ok(line.includes(cell), `${cell} in ${line}`);
  const table: [unknown, string][] = [[15.04, '15.0x'], [0.5, '0.50x'], [NaN, ' - '], [undefined, ' - '], ['2', ' - ']];
  for (const [ratio, shown] of table) {
    const l = body(t.targetLines([row('sweep-1000', true, { ratio: ratio as number })])).find((b) => b.key === 'sweep-1000')!.line;
    assert.ok(l.includes(shown), `${String(ratio)} -> ${l}`);
  }
});

test('rows of the issue table that no section produced are named as not measured (--only)', () => {
  const cases: { rows: Row[]; measured: string[] }[] = [
    { rows: [], measured: [] },
    { rows: [row('sweep-1000', true), row('sweep-10000', false)], measured: ['sweep-1000', 'sweep-10000'] },
    { rows: [row('remove-rmrf-tmpfs', true)], measured: ['remove-*'] },
    { rows: [row('list-1000', false), row('list-json-100000', true), row('new-1000', true)], measured: ['list-1000', 'new-1000', 'list-json-100000'] },
  ];
  for (const c of cases) {
    const lines = t.targetLines(c.rows);
    const b = body(lines);
    for (const key of ISSUE_ORDER) {
      const mine = b.filter((x) => x.key === key || (key === 'remove-*' && x.key.startsWith('remove-')));
      assert.ok(mine.length >= 1, `${key} has a line`);
      const named = mine.some((x) => x.line.endsWith(t.NOT_MEASURED));
      assert.equal(named, !c.measured.includes(key), `${key}: ${mine.map((x) => x.line).join(' | ')}`);
    }
    // A missing row carries the issue's wording of the measure.
    const missing = t.EXPECTED.find((e) => !c.measured.includes(e.prefix ? `${e.key}*` : e.key));
    if (missing) assert.ok(b.some((x) => x.line.includes(missing.measure) && x.line.endsWith(t.NOT_MEASURED)));
    const notMeasured = ISSUE_ORDER.length - c.measured.length;
    assert.match(summary(lines), new RegExp(`, ${notMeasured} not measured in this run$`));
  }
});

test('keys the issue does not list follow the issue rows, marked as such', () => {
  const b = body(t.targetLines([row('store-create', true), row('sweep-1000', true)]));
  assert.deepEqual(b.slice(-1).map((x) => x.key), ['store-create']);
  assert.match(b.at(-1)!.line, /not in the issue's table/);
  assert.equal(b.find((x) => x.key === 'sweep-1000')!.line.includes("not in the issue's table"), false);
});

test('collectTargets: rows tagged with their section; no targets array gives no rows; bad entries stay visible', () => {
  assert.deepEqual(t.collectTargets('sweep', { title: 'x', text: '', data: {} }), []);
  assert.deepEqual(t.collectTargets('sweep', { targets: { sweep1000: { met: true } } }), []);
  assert.deepEqual(t.collectTargets('sweep', undefined), []);
  const r = row('sweep-1000', true);
  assert.deepEqual(t.collectTargets('sweep', { targets: [r] }), [{ ...r, section: 'sweep' }]);
  const bad = t.collectTargets('cli', { targets: [null, {}, { key: '' }, 'list-1000', row('list-1000', false)] });
  assert.equal(bad.length, 5);
  assert.deepEqual(bad.map((x) => x.key), ['?', '?', '?', '?', 'list-1000']);
  const lines = t.targetLines(bad);
  assert.equal(body(lines).filter((x) => x.line.endsWith('malformed')).length, 4);
  assert.ok(lines.some((l) => l.includes('malformed target row from section cli: null')));
  assert.match(summary(lines), /, 4 malformed$/);
});

test('notes print under the table with their key and section', () => {
  const rows = t.collectTargets('sweep', { targets: [row('sweep-10000', false, { note: 'profile: 60% in fsync' }), row('sweep-1000', true)] });
  const lines = t.targetLines(rows);
  const at = lines.indexOf('notes:');
  assert.ok(at > 0);
  assert.equal(lines[at + 1], '  sweep-10000 [sweep]: profile: 60% in fsync');
});

test('pure: the same rows give the same lines, and the rows are not changed', () => {
  const rows = [row('new-1000', false, { note: 'n' }), row('sweep-1000', true)];
  const copy = structuredClone(rows);
  assert.deepEqual(t.targetLines(rows), t.targetLines(rows));
  assert.deepEqual(rows, copy);
});

test('targetSummary: the ordered rows and the counts the results JSON keeps', () => {
  const s = t.targetSummary([row('sweep-1000', true), row('new-1000', false), row('list-1000', null)]);
  assert.deepEqual(s.counts, { met: 1, notMet: 1, noVerdict: 1, notMeasured: ISSUE_ORDER.length - 3, malformed: 0 });
  assert.deepEqual(s.rows.map((r) => r.key), ISSUE_ORDER);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});
