/**
 * The entries of `.git/index` as commands work with them: merged (stage 0) entries by path, and
 * the conflict stages of unmerged paths (1 base, 2 ours, 3 theirs) kept whole, so that rewriting
 * the index after a `git merge` conflict loses nothing. Staging a path (set) or removing it
 * (delete) resolves its conflict, as `git add` / `git rm` do; nothing else touches the stages.
 * A merge (issue 14) records a conflict with {@link IndexEntries.setConflict}.
 */
import { compareIndexPaths, type GitIndexEntry } from '../formats/git-index.js';

/** How a path conflicts, named by which stages it has (git status's wording, dashed). */
export type ConflictKind = 'both-modified' | 'both-added' | 'deleted-by-us' | 'deleted-by-them' | 'added-by-us' | 'added-by-them' | 'both-deleted';

/** One unmerged path and its conflict stages (1 to 3 entries, in stage order). */
export interface UnmergedPath {
  path: string;
  stages: readonly GitIndexEntry[];
}

/** git's wording for a conflict from the stages present (wt-status.c, unmerged_status). */
export function conflictKind(stages: readonly number[]): ConflictKind {
  const has = (n: number) => stages.includes(n);
  if (has(2) && has(3)) return has(1) ? 'both-modified' : 'both-added';
  if (has(2)) return has(1) ? 'deleted-by-them' : 'added-by-us';
  if (has(3)) return has(1) ? 'deleted-by-us' : 'added-by-them';
  return 'both-deleted';
}

/**
 * Index entries of one repository. Reads as a map of the merged (stage 0) entries by path:
 * `get`, `has`, `keys`, `values` and iteration see stage 0 only; `unmerged` lists the rest.
 * Every operation is O(1) or O(entries): nothing copies the whole index per entry.
 */
export class IndexEntries {
  private readonly merged = new Map<string, GitIndexEntry>();
  private readonly conflicts = new Map<string, GitIndexEntry[]>();

  /** From entries in any order (a parsed index: at most one entry per path and stage, no path both merged and unmerged). */
  constructor(entries: Iterable<GitIndexEntry> = []) {
    for (const e of entries) {
      if (e.stage === 0) {
        this.merged.set(e.path, e);
        continue;
      }
      const stages = this.conflicts.get(e.path);
      if (stages) stages.push(e);
      else this.conflicts.set(e.path, [e]);
    }
    for (const stages of this.conflicts.values()) stages.sort((a, b) => a.stage - b.stage);
  }

  /** Number of merged paths. */
  get size(): number {
    return this.merged.size;
  }

  /** The merged entry of `path`. */
  get(path: string): GitIndexEntry | undefined {
    return this.merged.get(path);
  }

  /** True when `path` has a merged entry. */
  has(path: string): boolean {
    return this.merged.has(path);
  }

  /** Stages `entry` (stage 0) at its path, resolving any conflict there. */
  set(path: string, entry: GitIndexEntry): this {
    if (entry.path !== path || entry.stage !== 0) throw new Error(`index entry for ${path} must be its stage 0 entry`);
    this.conflicts.delete(path);
    this.merged.set(path, entry);
    return this;
  }

  /** Removes `path` at every stage; true when it was there. */
  delete(path: string): boolean {
    const a = this.merged.delete(path);
    const b = this.conflicts.delete(path);
    return a || b;
  }

  /** Records a conflict at `path` (replacing its merged entry): stages 1-3, each at most once. */
  setConflict(path: string, stages: readonly GitIndexEntry[]): void {
    const seen = new Set<number>();
    for (const e of stages) {
      if (e.path !== path || e.stage < 1 || e.stage > 3 || seen.has(e.stage)) throw new Error(`bad conflict stages for ${path}`);
      seen.add(e.stage);
    }
    if (stages.length === 0) throw new Error(`a conflict at ${path} needs at least one stage`);
    this.merged.delete(path);
    this.conflicts.set(path, [...stages].sort((a, b) => a.stage - b.stage));
  }

  /** Merged paths. */
  keys(): IterableIterator<string> {
    return this.merged.keys();
  }

  /** Merged entries. */
  values(): IterableIterator<GitIndexEntry> {
    return this.merged.values();
  }

  /** [path, merged entry] pairs. */
  [Symbol.iterator](): IterableIterator<[string, GitIndexEntry]> {
    return this.merged.entries();
  }

  /** True when `path` has conflict stages. */
  isUnmerged(path: string): boolean {
    return this.conflicts.has(path);
  }

  /** Every unmerged path with its stages, sorted by path (byte order). */
  unmerged(): UnmergedPath[] {
    return [...this.conflicts].map(([path, stages]) => ({ path, stages })).sort((a, b) => compareIndexPaths(a.path, b.path));
  }

  /** Every merged and unmerged path. */
  *paths(): IterableIterator<string> {
    yield* this.merged.keys();
    yield* this.conflicts.keys();
  }

  /** Every entry at every stage (what `.git/index` holds; the writer sorts them). */
  all(): GitIndexEntry[] {
    const out = [...this.merged.values()];
    for (const stages of this.conflicts.values()) out.push(...stages);
    return out;
  }
}
