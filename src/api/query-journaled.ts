// How calls that only report read entries: as the batch journals say. A
// batched sweep makes its intents durable in one journal and writes the entry
// files without their own fsync, so after a power cut an entry file can read
// "active" while its directory sits in staging. Calls that act replay the
// journals first, under the locks (api/context.ts `settle`); calls that only
// report must not write, so they overlay the journals on what they read.
import type { Entry } from '../model/entry';
import type { JournalView, Registry, RegistryProblem } from '../store/registry';
import { NO_JOURNALS } from '../store/batch-journal';

/** Where a call reads entries: the registry's files, or {@link JournaledEntries}. */
export interface EntrySource {
  list(): { entries: Entry[]; problems: RegistryProblem[] };
  findByNamePrefix(prefix: string): { entries: Entry[]; problems: RegistryProblem[] } | null;
  get(id: string): Entry | null;
}

/**
 * The entries as a call that only reports must show them: each entry file
 * brought up to the batch journals on disk, as the next writing call's replay
 * would bring it (store/batch-journal.ts readJournalView), with no lock taken
 * and nothing written. Calls that act on an entry replay the journals under
 * the locks instead (openContext({ settle: true })) and read the files.
 * `stagedByBatch` names the entries whose file still says active while a
 * batch journal claims them (a power cut set the file back, or the batch
 * died before writing it).
 */
export class JournaledEntries implements EntrySource {
  readonly #registry: Registry;
  readonly #view: JournalView;
  readonly #staged = new WeakSet<Entry>();

  constructor(registry: Registry) {
    this.#registry = registry;
    this.#view = registry.readJournals();
  }

  #settle = (file: Entry): Entry => {
    const e = this.#view.settle(file);
    if (e !== file && file.state === 'active' && e.state !== 'active') this.#staged.add(e);
    return e;
  };

  list(): { entries: Entry[]; problems: RegistryProblem[] } {
    const listed = this.#registry.list();
    if (this.#view === NO_JOURNALS) return listed; // the usual case: no batch journal on disk
    return { entries: listed.entries.map(this.#settle), problems: listed.problems };
  }

  findByNamePrefix(prefix: string): { entries: Entry[]; problems: RegistryProblem[] } | null {
    const found = this.#registry.findByNamePrefix(prefix);
    return found === null ? null : { entries: found.entries.map(this.#settle), problems: found.problems };
  }

  get(id: string): Entry | null {
    const e = this.#registry.get(id);
    return e === null ? null : this.#settle(e);
  }

  /** Journals that could not be used (not ours, not decodable): never applied, here or by replay. */
  get unusableJournals(): readonly { path: string; message: string }[] {
    return this.#view.problems;
  }

  /** Whether this entry (as returned here) is claimed by a batch journal its file does not show yet. */
  stagedByBatch(entry: Entry): boolean {
    return this.#staged.has(entry);
  }
}
