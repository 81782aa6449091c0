// "did you mean" for a mistyped command or option. Pure: a word and the
// names it could have meant in, the close ones out. Close means a prefix of a
// name (`ephemdir l` → last, list) or within a small optimal-string-alignment
// (Damerau-Levenshtein) distance: transposed letters (`lsit`), one letter
// missing, extra or wrong; two for words of five letters or more. Only the
// closest are offered, and nothing far-fetched: a short word may be one edit
// away at most, so `ls` never suggests `rm`.

/** Edit distance counting insertion, deletion, substitution and a swap of neighbours as one edit each. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** How many edits a word of this length may be from a name and still count as a typo of it. */
function tolerance(word: string): number {
  return word.length <= 4 ? 1 : 2;
}

/**
 * The names `word` was probably meant as, closest first (at most `max`):
 * names it is a prefix of, and names within the tolerated edit distance.
 */
export function closeMatches(word: string, names: readonly string[], max = 3): string[] {
  if (word === '') return [];
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of new Set(names)) {
    if (name === word) continue;
    const distance = editDistance(word, name);
    if (name.startsWith(word)) scored.push({ name, score: Math.min(distance, 0.5) });
    else if (distance <= tolerance(word)) scored.push({ name, score: distance });
  }
  scored.sort((x, y) => x.score - y.score || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  // Only the closest: `lsit` is one swap from list and two edits from last.
  return scored.filter((s) => s.score === scored[0]!.score).slice(0, max).map((s) => s.name);
}

/** ` (did you mean X or Y?)`, or `fallback` when nothing is close. */
export function didYouMean(word: string, names: readonly string[], fallback: string): string {
  const close = closeMatches(word, names);
  return close.length ? ` (did you mean ${close.join(' or ')}?)` : fallback;
}

/**
 * For an unknown option as typed (`--dryrun`, `--dry-run=x`, `-x`): the known
 * option spellings it is close to. Long options compare without their dashes
 * and any `=value`; a single unknown short letter has no useful neighbours.
 */
export function closeOptions(typed: string, longNames: readonly string[]): string[] {
  const bare = typed.replace(/^-+/, '').replace(/=.*$/s, '');
  if (!typed.startsWith('--') && bare.length <= 1) return [];
  // `-dry-run` (one dash) is a common slip for `--dry-run`: parseArgs reads it as short flags.
  if (!typed.startsWith('--') && longNames.includes(bare)) return [`--${bare}`];
  return closeMatches(bare, longNames).map((n) => `--${n}`);
}
