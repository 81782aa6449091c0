// The schedule hints on disk: the lookup of due entries costs what is due,
// not what is scheduled later, and hints in the old layout
// (schedule/<day>/<hour>/<id>) are still found and moved to the current one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Registry } from '../../src/store/registry';
import { bucketNames } from '../../src/store/schedule';
import { dataScratch, makeEntry } from './_helpers';

const NOW = 1_800_001_861.5; // day 20833, hour 500000, minute 30000031, second 1800001861
const clock = (now = NOW) => ({ now, bootId: null, bootTime: null, platform: 'linux' as const });

function open(env: NodeJS.ProcessEnv): Registry {
  const r = Registry.open({ create: true, env });
  assert.ok(r);
  return r;
}

function scheduleDir(data: string): string {
  return path.join(data, 'registry.d', 'schedule');
}

/** Every hint file under schedule/, as paths relative to it. */
function hintFiles(data: string): string[] {
  const root = scheduleDir(data);
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk('');
  return out.sort();
}

/** Moves the entry's hint from the current layout to where older versions filed it, as they would have written it. */
function toOldLayout(data: string, id: string, at: number): string {
  const [day, hour, minute, second] = bucketNames(at);
  const root = scheduleDir(data);
  const oldDir = path.join(root, day!, hour!);
  fs.renameSync(path.join(root, day!, hour!, minute!, second!, id), path.join(oldDir, id));
  fs.rmdirSync(path.join(root, day!, hour!, minute!, second!));
  fs.rmdirSync(path.join(root, day!, hour!, minute!));
  fs.utimesSync(path.join(oldDir, id), NOW, at);
  return `${day}/${hour}/${id}`;
}

test('hints are filed by day, hour, minute and second, and go with the entry', () => {
  using s = dataScratch('sched');
  using r = open(s.env);
  const e = makeEntry({ expiresAt: NOW + 100.25, removeOnRestart: false });
  r.create(e);
  assert.deepEqual(hintFiles(s.data), [`${bucketNames(NOW + 100.25).join('/')}/${e.id}`]);
  const st = fs.statSync(path.join(scheduleDir(s.data), ...bucketNames(NOW + 100.25), e.id));
  assert.equal(Math.round(st.mtimeMs) / 1000, NOW + 100.25, 'the mtime is the expiry');
  r.update(e.id, (cur) => ({ entry: { ...cur!, expiresAt: NOW + 90_000 }, result: 0 }));
  assert.deepEqual(hintFiles(s.data), [`${bucketNames(NOW + 90_000).join('/')}/${e.id}`], 'extending moves it, and the emptied folders go');
  r.update(e.id, () => ({ entry: null, result: 0 }));
  assert.deepEqual(fs.readdirSync(scheduleDir(s.data)), []);
});

test('dueHints: past seconds, minutes, hours and days are due; the current second by mtime; later ones are not', () => {
  using s = dataScratch('sched');
  using r = open(s.env);
  const due: string[] = [];
  const notDue: string[] = [];
  for (const offset of [-86_400 * 3, -3600, -61, -1.5, -0.4, 0]) {
    const e = makeEntry({ expiresAt: NOW + offset, removeOnRestart: false });
    r.create(e);
    due.push(e.id);
  }
  for (const offset of [0.2, 1, 59, 600, 1700, 3600, 86_400]) {
    const e = makeEntry({ expiresAt: NOW + offset, removeOnRestart: false });
    r.create(e);
    notDue.push(e.id);
  }
  assert.deepEqual(new Set(r.dueHints(clock(), 100)), new Set(due));
  // One second on, the hint of NOW + 0.2 (same second until then) is due.
  assert.deepEqual(new Set(r.dueHints(clock(NOW + 0.6), 100)), new Set([...due, notDue[0]]));
});

test('old-layout hints are found (past and current hour) and moved; a move cut short leaves a duplicate, found once', () => {
  using s = dataScratch('sched');
  using r = open(s.env);
  const mk = (at: number) => {
    const e = makeEntry({ expiresAt: at, removeOnRestart: false });
    r.create(e);
    return { id: e.id, at, old: toOldLayout(s.data, e.id, at) };
  };
  const pastHour = mk(NOW - 3600);
  const earlierThisHour = mk(NOW - 100.5);
  const laterThisHour = mk(NOW + 600.75);
  const laterHour = mk(NOW + 7200);
  // A move cut short: the new hint exists and the old one too.
  const dup = mk(NOW - 50);
  const newDup = path.join(scheduleDir(s.data), ...bucketNames(dup.at));
  fs.mkdirSync(newDup, { recursive: true });
  fs.writeFileSync(path.join(newDup, dup.id), '');
  fs.utimesSync(path.join(newDup, dup.id), NOW, dup.at);

  const got = r.dueHints(clock(), 100);
  assert.equal(got.length, new Set(got).size, 'each id once');
  assert.deepEqual(new Set(got), new Set([pastHour.id, earlierThisHour.id, dup.id]));
  // Every old hint met on the way is now in the current layout, its expiry kept; the later hour's was not visited.
  const files = hintFiles(s.data);
  for (const h of [pastHour, earlierThisHour, laterThisHour, dup]) {
    assert.ok(!files.includes(h.old), `${h.old} moved`);
    assert.ok(files.includes(`${bucketNames(h.at).join('/')}/${h.id}`), `${h.id} filed at ${h.at}`);
  }
  assert.ok(files.includes(laterHour.old), 'an old hint in a later hour stays until its hour comes');
  // Moved hints are the ones the registry would write: the entry going removes them.
  for (const h of [pastHour, earlierThisHour, laterThisHour, dup]) r.update(h.id, () => ({ entry: null, result: 0 }));
  assert.deepEqual(hintFiles(s.data), [laterHour.old]);
  // And the later hour's old hint is found when its time comes.
  assert.deepEqual(r.dueHints(clock(NOW + 7200), 100), [laterHour.id]);
  assert.deepEqual(hintFiles(s.data), [`${bucketNames(laterHour.at).join('/')}/${laterHour.id}`]);
});

/** stat calls (statx, newfstatat, fstat) made by one dueHints(limit 16) call in a child under strace; null without strace. */
function statCallsOfDueHints(data: string): number | null {
  const which = spawnSync('strace', ['-V'], { stdio: 'ignore' });
  if (which.error || which.status !== 0) return null;
  const ts = path.extname(__filename) === '.ts';
  const registry = path.join(__dirname, '..', '..', 'src', 'store', `registry${ts ? '.ts' : '.js'}`);
  const script = [
    `const { Registry } = require(${JSON.stringify(registry)});`,
    `const r = Registry.open({ create: false, env: { EPHEMDIR_DATA_DIR: ${JSON.stringify(data)} } });`,
    `r.dueHints(${JSON.stringify(clock())}, 1);`, // opens the folders and loads the code
    `process.stdout.write('MARK\\n');`,
    `const n = r.dueHints(${JSON.stringify(clock())}, 16).length;`,
    `process.stdout.write('DONE ' + n + '\\n');`,
  ].join('\n');
  // -e write: the markers split the trace into the warm-up and the measured call.
  const res = spawnSync('strace', ['-f', '-e', 'trace=statx,newfstatat,fstat,stat,lstat,write', process.execPath, ...(ts ? ['--import', 'tsx'] : []), '-e', script], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(res.status, 0, res.stderr.slice(-2000));
  const lines = res.stderr.split('\n');
  const from = lines.findIndex((l) => l.includes('MARK'));
  const to = lines.findIndex((l) => l.includes('DONE'));
  assert.ok(from >= 0 && to > from, 'markers in the trace');
  return lines.slice(from + 1, to).filter((l) => /\b(statx|newfstatat|fstat|stat|lstat)\(/.test(l)).length;
}

test('the due lookup costs what is due: 2,000 hints later this hour cost no stat calls', (t) => {
  using empty = dataScratch('sched-empty');
  using full = dataScratch('sched-full');
  for (const [sc, n] of [[empty, 0], [full, 2000]] as const) {
    using r = open(sc.env);
    r.create(makeEntry({ expiresAt: NOW - 10, removeOnRestart: false })); // one due entry in each
    for (let i = 0; i < n; i++) r.create(makeEntry({ expiresAt: NOW + 2 + (i % 1700), removeOnRestart: false }), { durable: false });
  }
  const base = statCallsOfDueHints(empty.data);
  if (base === null) {
    t.skip('strace is not installed: the stat calls cannot be counted');
    return;
  }
  const scheduled = statCallsOfDueHints(full.data)!;
  assert.ok(scheduled <= base + 4, `dueHints made ${scheduled} stat calls with 2,000 hints later this hour, ${base} without`);
});

test('the folders of deletions under way stay when empty, so a claim creates none', () => {
  using s = dataScratch('sched');
  using r = open(s.env);
  const zero = bucketNames(0).join('/');
  const e = makeEntry({ expiresAt: NOW - 5, removeOnRestart: false });
  r.create(e);
  const claim = (id: string) => r.update(id, (cur) => ({ entry: { ...cur!, state: 'deleting', stagingPath: '/home/alice/work/.x.deleting' }, result: 0 }));
  claim(e.id);
  assert.deepEqual(hintFiles(s.data), [`${zero}/${e.id}`]);
  r.update(e.id, () => ({ entry: null, result: 0 }));
  assert.deepEqual(hintFiles(s.data), []);
  assert.ok(fs.statSync(path.join(scheduleDir(s.data), ...bucketNames(0))).isDirectory(), 'kept, empty');
  const ino = fs.statSync(path.join(scheduleDir(s.data), ...bucketNames(0))).ino;
  const f = makeEntry({ expiresAt: NOW - 5, removeOnRestart: false });
  r.create(f);
  claim(f.id);
  assert.equal(fs.statSync(path.join(scheduleDir(s.data), ...bucketNames(0))).ino, ino, 'the same folder, not made again');
  assert.deepEqual(r.dueHints(clock(), 10), [f.id]);
});

test('the folder of deletions under way is held open by the registry; removed by hand, it is made again and the next claim still gets its hint', () => {
  using s = dataScratch('sched');
  using r = open(s.env);
  const zero = bucketNames(0);
  const claim = (id: string) => r.update(id, (cur) => ({ entry: { ...cur!, state: 'deleting', stagingPath: '/home/alice/work/.x.deleting' }, result: 0 }));
  const [e, f, g] = [0, 1, 2].map(() => makeEntry({ expiresAt: NOW - 5, removeOnRestart: false }));
  for (const x of [e!, f!, g!]) r.create(x);
  claim(e!.id);
  r.update(e!.id, () => ({ entry: null, result: 0 }));
  // Removed by hand while the registry holds it: the next claim's hint must not vanish with it.
  fs.rmSync(path.join(scheduleDir(s.data), zero[0]!), { recursive: true });
  claim(f!.id);
  const underWay = () => hintFiles(s.data).filter((h) => h.startsWith(`${zero.join('/')}/`));
  assert.deepEqual(underWay(), [`${zero.join('/')}/${f!.id}`], 'made again, the hint in it');
  // The hint of a claim is still removed with its entry through the held folder.
  claim(g!.id);
  r.update(f!.id, () => ({ entry: null, result: 0 }));
  assert.deepEqual(hintFiles(s.data), [`${zero.join('/')}/${g!.id}`], 'only the claimed one is left');
  assert.deepEqual(r.dueHints(clock(), 10), [g!.id]);
});

test('dueHints: deletions under way come first, in half the places at most', () => {
  using s = dataScratch('sched');
  using r = open(s.env);
  const mk = (state: 'active' | 'deleting') => {
    const e = makeEntry({ expiresAt: NOW - 600, removeOnRestart: false });
    r.create(e);
    if (state === 'deleting') r.update(e.id, (cur) => ({ entry: { ...cur!, state, stagingPath: '/home/alice/work/.x.deleting' }, result: 0 }));
    return e.id;
  };
  const expired = [mk('active'), mk('active'), mk('active'), mk('active'), mk('active'), mk('active')];
  const first = mk('deleting');
  for (let i = 0; i < 5; i++) assert.deepEqual(r.dueHints(clock(), 1), [first], 'the one under way, every time');
  const under = [first, mk('deleting'), mk('deleting'), mk('deleting'), mk('deleting'), mk('deleting')];
  for (let i = 0; i < 5; i++) {
    const got = r.dueHints(clock(), 4);
    assert.equal(got.length, 4);
    assert.equal(got.filter((id) => under.includes(id)).length, 2, 'two places of four');
    assert.deepEqual(got.slice(0, 2).every((id) => under.includes(id)), true, 'and first');
    assert.ok(got.slice(2).every((id) => expired.includes(id)));
  }
  // With nothing else due, every place goes to them.
  for (const id of expired) r.update(id, () => ({ entry: null, result: 0 }));
  assert.deepEqual(new Set(r.dueHints(clock(), 10)), new Set(under));
});
