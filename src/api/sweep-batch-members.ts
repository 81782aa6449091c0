// What a batched sweep (sweep-batch.ts) keeps for each entry of a batch and
// each parent directory, and how an entry's result is settled.
import type { Entry } from '../model/entry';
import type { EntryLock } from '../store/registry';
import type { DirHandle } from '../fs/dir-handle';
import type { BlockerCode, SweepReasonCode } from '../policy/codes';
import type { Located } from './probe';
import type { Claimed } from './protocol';
import type { Outcome } from './removal';

export interface BatchItem {
  entry: Entry;
  reasons: SweepReasonCode[];
}

export type BatchResult = { item: BatchItem; outcome: Outcome } | { item: BatchItem; error: unknown };

export interface Member {
  item: BatchItem;
  lock: EntryLock;
  current: Entry;
  at: Located | null;
  moving?: Entry;
  claimed?: Claimed;
  done?: BatchResult;
  committed?: boolean;
}

export interface Group {
  parent: DirHandle;
  parentPath: string;
  folder: string;
  staging: DirHandle | null;
  members: Member[];
}

export interface BatchOptions {
  honourInUse: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { entriesRemoved: number }) => void;
}

export function settle(m: Member, outcome: Outcome): void {
  m.done = { item: m.item, outcome };
}

export function fail(m: Member, error: unknown): void {
  m.done = { item: m.item, error };
}

export function refused(m: Member, r: { blockers: BlockerCode[]; message: string }): void {
  settle(m, { kind: 'refused', blockers: r.blockers, message: r.message });
}

/** The members of a group not settled yet. */
export const live = (g: Group): Member[] => g.members.filter((m) => !m.done);
