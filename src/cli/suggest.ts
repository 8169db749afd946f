/**
 * "Did you mean …?" for misspelled names (commands, stages, gates, metrics): the nearest
 * candidate by edit distance, only when it is close enough to be a typo rather than a
 * different word.
 */

/** Damerau–Levenshtein distance (optimal string alignment): a swap of two letters costs 1. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The candidate nearest to `word`, or undefined when none is within a typo's reach
 * (at most a third of the word's length, and at least 1), or the one candidate a 3+ letter
 * abbreviation starts. An exact match is no suggestion.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { name: string; distance: number } | undefined;
  const all = [...candidates];
  if (all.includes(word)) return undefined;
  // an abbreviation ("prod") names the one candidate it starts
  const starting = word.length >= 3 ? all.filter((c) => c.toLowerCase().startsWith(word.toLowerCase())) : [];
  if (starting.length === 1) return starting[0];
  for (const name of all) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ` (did you mean X?)` or the empty string, for appending to a message. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = nearest(word, candidates);
  return match === undefined ? '' : ` Did you mean ${match}?`;
}
