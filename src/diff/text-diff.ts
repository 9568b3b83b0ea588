/** Text files: a unified diff (jsdiff) and the number of lines added and removed. */
import { structuredPatch, formatPatch } from 'diff';

/** The text part of a file's diff. */
export interface TextDiff {
  /** Lines only in b. */
  added: number;
  /** Lines only in a. */
  removed: number;
  /** Unified diff with 3 lines of context (`--- a/PATH`, `+++ b/PATH`). */
  patch: string;
}

/** Compares two texts (either may be absent: an added or deleted file). */
export function diffText(a: string | undefined, b: string | undefined, nameA: string, nameB: string): TextDiff {
  const patch = structuredPatch(nameA, nameB, a ?? '', b ?? '', '', '', { context: 3 });
  let added = 0;
  let removed = 0;
  for (const h of patch.hunks) {
    for (const line of h.lines) {
      if (line.startsWith('+')) added++;
      else if (line.startsWith('-')) removed++;
    }
  }
  // GNU diff's (and git's) form of hunk headers: a count of 1 is left out (`@@ -3 +3,2 @@`)
  const text = patch.hunks.length ? formatPatch(patch).replace(/^=+\n/m, '').replace(/^@@ -(\d+),1 \+/gm, '@@ -$1 +').replace(/^(@@ -\S+ \+\d+),1 @@/gm, '$1 @@') : '';
  return { added, removed, patch: text };
}
