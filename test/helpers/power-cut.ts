// A batched sweep killed for real at a protocol step, and the disk as a power
// cut right then may leave it: the batch journal (fsynced) on disk, the entry
// files (group commits, not yet fsynced) back to the bytes they had before
// the sweep. Used by test/api/crash.test.ts (writing calls replay the journal
// first) and test/api/power-cut-reads.test.ts (reading calls show it).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runNode, srcModule } from './child';
import * as api from '../../src/api/index';

// The test-only module that turns EPHEMDIR_CRASH_AT into a SIGKILL (the package has no such hook).
const CRASH_HOOK = path.join(__dirname, `crash-hook${path.extname(__filename)}`);

/** `files` empty files in subfolders of 200 (the engine reports progress every 10,000 entries). */
export function fill(dir: string, files: number): void {
  for (let i = 0; i < files / 200; i++) {
    const sub = path.join(dir, `d${i}`);
    fs.mkdirSync(sub);
    for (let j = 0; j < 200; j++) fs.closeSync(fs.openSync(path.join(sub, `f${j}`), 'w'));
  }
}

export function countTree(p: string): number {
  let n = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    n++;
    if (e.isDirectory()) n += countTree(path.join(p, e.name));
  }
  return n;
}

export type Made = { id: string; path: string; name: string; count: number };

/**
 * `count` tracked directories of `files` files each, tagged `tag`; due only
 * for a full sweep, so that the bounded sweep of the next tempdir() leaves
 * them alone.
 */
export async function batchOf(parent: string, tag: string, count: number, files: number): Promise<Made[]> {
  const made = [];
  for (let i = 0; i < count; i++) {
    const d = await api.tempdir({ parent, cleanup: 'next-sweep', tags: [tag] });
    fill(d.path, files);
    made.push({ id: d.id, path: d.path, name: path.basename(d.path), count: countTree(d.path) });
  }
  return made;
}

/** Runs `sweep({ tags: [tag] })` in a child that SIGKILLs itself at `step` (EPHEMDIR_CRASH_AT). */
export function killSweepAt(step: string, tag: string): void {
  const r = runNode(`require(${JSON.stringify(CRASH_HOOK)}); require(${JSON.stringify(srcModule('api/index'))}).sweep({ tags: [${JSON.stringify(tag)}] }).then(() => console.log('finished'))`, {
    env: { ...process.env, EPHEMDIR_CRASH_AT: step },
  });
  assert.equal(r.signal, 'SIGKILL', `the child must die at ${step}: ${r.stderr}`);
}

/** The entry file of `id` in the registry of data folder `data`. */
export function entryFile(data: string, id: string): string {
  return path.join(data, 'registry.d', 'entries', id.slice(0, 1), `${id}.json`);
}

/** The batch journals on disk (file names). */
export function batchJournals(data: string): string[] {
  const dir = path.join(data, 'registry.d', 'batches');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
}

export interface PowerCut {
  made: Made[];
  /** Puts back the disk as the cut left it: the entry files as before the sweep, the journals as the sweep wrote them. */
  apply(): void;
  /** The entry files' and journals' bytes now, to check that a call wrote none of them. */
  snapshot(): Map<string, string>;
}

/**
 * A batch of `count` directories swept by a child killed at `step`, then the
 * power cut: each entry file set back to its bytes from before the sweep,
 * while the sweep's batch journal (fsynced) stays. At `after-rename` every
 * tree is in staging while each entry file says "active".
 */
export async function batchPowerCut(env: { work: string; data: string }, step: string, tag: string, count: number, files: number): Promise<PowerCut> {
  const made = await batchOf(env.work, tag, count, files);
  const before = new Map(made.map((d) => [d.id, fs.readFileSync(entryFile(env.data, d.id))]));
  killSweepAt(step, tag);
  const batches = path.join(env.data, 'registry.d', 'batches');
  const journal = new Map(batchJournals(env.data).map((n) => [n, fs.readFileSync(path.join(batches, n))]));
  assert.equal(journal.size, 1, 'one batch journal on disk');
  const apply = () => {
    for (const [id, bytes] of before) fs.writeFileSync(entryFile(env.data, id), bytes);
    for (const [n, bytes] of journal) fs.writeFileSync(path.join(batches, n), bytes, { mode: 0o600 });
  };
  apply();
  const snapshot = () => {
    const out = new Map<string, string>();
    for (const d of made) out.set(d.id, fs.readFileSync(entryFile(env.data, d.id)).toString('base64'));
    for (const n of batchJournals(env.data)) out.set(n, fs.readFileSync(path.join(batches, n)).toString('base64'));
    return out;
  };
  return { made, apply, snapshot };
}
