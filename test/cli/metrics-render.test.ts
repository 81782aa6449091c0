// The Prometheus rendering is pure: tables of data in, exposition text out,
// checked by a strict grammar checker and by an independent parser.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS package without types: typed by the cast
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => Array<{ name: string; help: string; type: string; metrics: Array<{ value: string; labels?: Record<string, string> }> }>;
import { escapeHelp, escapeLabelValue, formatValue, renderExposition, type MetricFamily } from '../../src/cli/metrics/exposition';
import { countStatuses, registryFamilies, summaryLine, sweepFamilies, type SweepCounts } from '../../src/cli/metrics/families';
import { entryCounter } from '../../src/cli/metrics/collect';
import { checkExposition, valueOf } from '../helpers/prom-check';

describe('Prometheus exposition rendering', () => {
  it('escapes label values: backslash, double quote, line feed, and nothing else', () => {
    const table: Array<[string, string]> = [
      ['plain', 'plain'],
      ['a\\b', 'a\\\\b'],
      ['say "hi"', 'say \\"hi\\"'],
      ['two\nlines', 'two\\nlines'],
      ['\\n literal', '\\\\n literal'],
      ['tab\there', 'tab\there'],
      ['ünïcødé ✓', 'ünïcødé ✓'],
      ['\\"\n', '\\\\\\"\\n'],
      ['', ''],
    ];
    for (const [input, want] of table) assert.equal(escapeLabelValue(input), want, JSON.stringify(input));
  });

  it('escapes HELP text: backslash and line feed only (a double quote stays)', () => {
    const table: Array<[string, string]> = [
      ['Directories removed.', 'Directories removed.'],
      ['path C:\\tmp', 'path C:\\\\tmp'],
      ['first\nsecond', 'first\\nsecond'],
      ['say "x"', 'say "x"'],
    ];
    for (const [input, want] of table) assert.equal(escapeHelp(input), want, JSON.stringify(input));
  });

  it('formats values as Go floats parse them', () => {
    const table: Array<[number, string]> = [
      [0, '0'],
      [3, '3'],
      [0.125, '0.125'],
      [1796000651.455, '1796000651.455'],
      [-2, '-2'],
      [NaN, 'NaN'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
      [1e21, '1e+21'],
    ];
    for (const [input, want] of table) assert.equal(formatValue(input), want, String(input));
  });

  it('renders HELP, TYPE and samples; label values round-trip through a strict checker and a parser', () => {
    const nasty = 'back\\slash "quoted"\nnew line';
    const families: MetricFamily[] = [
      { name: 'x_things', help: 'Things\nwith a \\ in help.', type: 'gauge', samples: [{ labels: { status: nasty, b: 'two' }, value: 2 }, { value: 1 }] },
      { name: 'x_done_total', help: 'Done.', type: 'counter', samples: [{ value: 7 }] },
    ];
    const text = renderExposition(families);
    assert.equal(
      text,
      '# HELP x_things Things\\nwith a \\\\ in help.\n# TYPE x_things gauge\n' +
        'x_things{status="back\\\\slash \\"quoted\\"\\nnew line",b="two"} 2\nx_things 1\n' +
        '# HELP x_done_total Done.\n# TYPE x_done_total counter\nx_done_total 7\n',
    );
    const checked = checkExposition(text);
    assert.equal(checked[0]!.help, 'Things\nwith a \\ in help.');
    assert.equal(valueOf(checked, 'x_things', { status: nasty, b: 'two' }), 2);
    const parsed = parsePrometheus(text);
    assert.deepEqual(parsed.map((f) => [f.name, f.type]), [['x_things', 'GAUGE'], ['x_done_total', 'COUNTER']]);
    assert.equal(parsed[0]!.metrics[0]!.labels!.status, nasty);
  });

  it('refuses what would make node_exporter reject the whole file', () => {
    const bad: Array<[string, MetricFamily[]]> = [
      ['metric name with a dash', [{ name: 'x-y', help: 'h', type: 'gauge', samples: [] }]],
      ['metric name starting with a digit', [{ name: '1x', help: 'h', type: 'gauge', samples: [] }]],
      ['label name with a colon', [{ name: 'x', help: 'h', type: 'gauge', samples: [{ labels: { 'a:b': 'v' }, value: 1 }] }]],
      ['reserved label name', [{ name: 'x', help: 'h', type: 'gauge', samples: [{ labels: { __name__: 'v' }, value: 1 }] }]],
      ['counter without _total', [{ name: 'x_count', help: 'h', type: 'counter', samples: [] }]],
      ['gauge named _total', [{ name: 'x_total', help: 'h', type: 'gauge', samples: [] }]],
      [
        'a family twice',
        [
          { name: 'x', help: 'h', type: 'gauge', samples: [] },
          { name: 'x', help: 'h', type: 'gauge', samples: [] },
        ],
      ],
    ];
    for (const [why, families] of bad) assert.throws(() => renderExposition(families), TypeError, why);
  });

  it('ephemdir families: every known status present (0 when none), gauges per sweep, counters only for the ledger', () => {
    const byStatus = countStatuses(['active', 'active', 'expired', 'some-new-status']);
    assert.equal(byStatus.active, 2);
    assert.equal(byStatus.blocked, 0);
    assert.equal(byStatus['some-new-status'], 1);
    const sweep: SweepCounts = { removed: 3, deferred: 1, failed: 2, recovered: 1, quarantined: 4, entriesRemoved: 120, finishedAt: 1700000000.5, durationSeconds: 0.25 };
    const text = renderExposition([
      ...registryFamilies({ byStatus, quarantined: 4, ledger: { created: 9, swept: 5, kept: 1, removed: 2 } }),
      ...sweepFamilies(sweep),
    ]);
    const fams = checkExposition(text);
    for (const f of fams) {
      assert.match(f.name, /^ephemdir_/);
      assert.equal(f.type === 'counter', f.name.endsWith('_total'), f.name);
      if (f.name.startsWith('ephemdir_sweep_') || f.name.startsWith('ephemdir_last_')) assert.equal(f.type, 'gauge', f.name);
    }
    assert.equal(valueOf(fams, 'ephemdir_tracked_directories', { status: 'active' }), 2);
    assert.equal(valueOf(fams, 'ephemdir_sweep_due_directories'), 6);
    assert.equal(valueOf(fams, 'ephemdir_sweep_removed_entries'), 120);
    assert.equal(valueOf(fams, 'ephemdir_last_sweep_timestamp_seconds'), 1700000000.5);
    assert.equal(valueOf(fams, 'ephemdir_sweep_duration_seconds'), 0.25);
    assert.equal(valueOf(fams, 'ephemdir_created_directories_total'), 9);
    assert.equal(parsePrometheus(text).length, fams.length);
  });

  it('summary line: stable keys in a fixed order', () => {
    const s: SweepCounts = { removed: 3, deferred: 1, failed: 0, recovered: 0, quarantined: 0, entriesRemoved: 42, finishedAt: 0, durationSeconds: 1.23456 };
    assert.equal(
      summaryLine(s),
      'ephemdir sweep: removed=3 deferred=1 failed=0 recovered=0 due=4 quarantined=0 entries_removed=42 duration_seconds=1.235\n',
    );
  });

  it('entries removed: only the totals reported as a directory finishes count', () => {
    const c = entryCounter();
    // directory 1 in progress, then done with 10; directory 2 in progress (15 so far) and then failed (no done call)
    for (const p of [{ entriesRemoved: 4, directoriesDone: 0 }, { entriesRemoved: 10, directoriesDone: 1 }, { entriesRemoved: 15, directoriesDone: 1 }]) c.onProgress(p);
    assert.equal(c.total, 10);
    c.onProgress({ entriesRemoved: 12, directoriesDone: 2 });
    assert.equal(c.total, 12);
  });
});
