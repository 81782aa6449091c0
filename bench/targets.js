'use strict';
// The speed targets as one table. Each section's run() may return a `targets`
// array, one row per target it measures:
//   { key, measure, value, floor, floorName, ratio, target, met, note }
// (value and floor are display strings with units, ratio a number, target a
// text such as '<= 3x the floor', met a boolean, note optional). run.js
// collects them; the functions here only turn plain rows into text and into
// the summary saved with the results, so the table is tested without running
// a benchmark (test/bench/targets.test.ts).

/**
 * The targets in the order the speed issue lists them. `prefix` marks a
 * family (remove-*: one row per removal ratio the remove section reports).
 * `measure` names a row that no section produced.
 */
const EXPECTED = [
  { key: 'sweep-1000', measure: 'sweep() of 1,000 expired small directories' },
  { key: 'sweep-10000', measure: 'sweep() of 10,000 expired small directories' },
  { key: 'tempdirSync-median', measure: 'tempdirSync() median' },
  { key: 'tempdir-p99-backlog', measure: 'tempdir() p99 while 200 directories of 50 files are due' },
  { key: 'list-1000', measure: '`ephemdir list`, 1,000 entries' },
  { key: 'new-1000', measure: '`ephemdir new`, 1,000 entries' },
  { key: 'list-json-100000', measure: '`ephemdir list --json`, 100,000 entries' },
  { key: 'presweep-scheduled', measure: 'tempdir() with 10,000 entries expiring later in the same hour' },
  { key: 'list-100000', measure: '`ephemdir list`, 100,000 entries' },
  { key: 'new-100000', measure: '`ephemdir new`, 100,000 entries' },
  { key: 'remove-', prefix: true, measure: 'removal ratios to rm -rf, fs.rmSync, fs.promises.rm, rimraf (no regression)' },
];

const NOT_MEASURED = 'not measured in this run';

/** The expected entry a key belongs to, or undefined for a key the issue does not list. */
function expectedFor(key) {
  return EXPECTED.find((e) => (e.prefix ? typeof key === 'string' && key.startsWith(e.key) : e.key === key));
}

/** The display key of an expected entry ('remove-*' for the family). */
function expectedKey(e) {
  return e.prefix ? `${e.key}*` : e.key;
}

/**
 * The rows of one section's result, each tagged with the section's name.
 * A result without a `targets` array gives none; an entry that is not an
 * object with a string key is kept as a malformed row so the table shows it.
 */
function collectTargets(section, result) {
  const list = result && Array.isArray(result.targets) ? result.targets : [];
  return list.map((row) =>
    row !== null && typeof row === 'object' && typeof row.key === 'string' && row.key !== ''
      ? { ...row, section }
      : { key: '?', section, malformed: true, note: `malformed target row from section ${section}: ${safeJson(row)}` },
  );
}

function safeJson(x) {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

function verdict(row) {
  if (row.malformed) return 'malformed';
  if (row.met === true) return 'met';
  if (row.met === false) return 'NOT met';
  return 'no verdict';
}

function text(x) {
  return x === undefined || x === null || x === '' ? '-' : String(x);
}

function ratioText(r) {
  return typeof r === 'number' && Number.isFinite(r) ? `${r < 10 ? r.toFixed(2) : r.toFixed(1)}x` : '-';
}

function floorText(row) {
  const floor = text(row.floor);
  return row.floorName ? `${floor} (${row.floorName})` : floor;
}

/**
 * Orders collected rows as the issue's table: each expected key in turn
 * (every row with that key, in collection order; a `missing` entry when
 * none), then rows whose key the issue does not list, then malformed rows.
 */
function orderTargets(rows) {
  const out = [];
  for (const e of EXPECTED) {
    const mine = rows.filter((r) => !r.malformed && expectedFor(r.key) === e);
    if (mine.length === 0) out.push({ key: expectedKey(e), measure: e.measure, missing: true });
    else out.push(...mine);
  }
  out.push(...rows.filter((r) => !r.malformed && expectedFor(r.key) === undefined).map((r) => ({ ...r, unlisted: true })));
  out.push(...rows.filter((r) => r.malformed));
  return out;
}

/** Counts for the summary line and the results JSON. */
function countTargets(ordered) {
  const c = { met: 0, notMet: 0, noVerdict: 0, notMeasured: 0, malformed: 0 };
  for (const r of ordered) {
    if (r.missing) c.notMeasured++;
    else if (r.malformed) c.malformed++;
    else if (r.met === true) c.met++;
    else if (r.met === false) c.notMet++;
    else c.noVerdict++;
  }
  return c;
}

/** Pads each column to its widest cell (all columns left-aligned). */
function align(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

/**
 * The targets table as text lines: one row per collected target in the
 * issue's order, rows nobody measured named as such, then the notes and a
 * summary line. Pure: the same rows give the same lines.
 */
function targetLines(rows) {
  const ordered = orderTargets(rows);
  const header = ['key', 'measure', 'value', 'floor (same run)', 'ratio', 'target', 'verdict'];
  const body = ordered.map((r) => {
    if (r.missing) return [r.key, r.measure, '-', '-', '-', '-', NOT_MEASURED];
    if (r.malformed) return ['?', '-', '-', '-', '-', '-', 'malformed'];
    const measure = text(r.measure ?? expectedFor(r.key)?.measure);
    return [r.key, r.unlisted ? `${measure} (not in the issue's table)` : measure, text(r.value), floorText(r), ratioText(r.ratio), text(r.target), verdict(r)];
  });
  const lines = align([header, header.map((h) => '-'.repeat(h.length)), ...body]);
  const notes = ordered.filter((r) => !r.missing && r.note);
  if (notes.length) {
    lines.push('', 'notes:');
    for (const r of notes) lines.push(`  ${r.key}${r.section ? ` [${r.section}]` : ''}: ${r.note}`);
  }
  const c = countTargets(ordered);
  const parts = [`${c.met} met`, `${c.notMet} NOT met`];
  if (c.noVerdict) parts.push(`${c.noVerdict} without a verdict`);
  parts.push(`${c.notMeasured} not measured in this run`);
  if (c.malformed) parts.push(`${c.malformed} malformed`);
  lines.push('', `targets: ${parts.join(', ')}`);
  return lines;
}

/** What the results JSON keeps: the ordered rows and the counts. */
function targetSummary(rows) {
  const ordered = orderTargets(rows);
  return { rows: ordered, counts: countTargets(ordered) };
}

module.exports = { EXPECTED, NOT_MEASURED, collectTargets, orderTargets, targetLines, targetSummary };
