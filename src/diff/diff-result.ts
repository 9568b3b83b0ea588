/**
 * The `hub diff --json` document (docs/diff.md, schema docs/schemas/diff.schema.json). Version 1;
 * a change that removes or renames a field bumps `version`.
 */
import type { TableDiff } from './table-diff-types.js';
import type { TensorDiff } from './tensor-diff-types.js';
import type { TextDiff } from './text-diff.js';

/** One side of the comparison. */
export interface DiffSide {
  /** What the user named: a revision, `working tree`, or a file path with --no-index. */
  label: string;
  /** The commit, when the side is a revision. */
  commit: string | null;
}

/** What changed in one file. */
export interface FileDiff {
  path: string;
  /** The old path of a rename. */
  oldPath?: string;
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  /** Modes as octal strings (`100644`, `100755`, `120000`); null on the side without the file. */
  mode: { a: string | null; b: string | null };
  size: { a: number | null; b: number | null };
  /** Committed as a Git LFS pointer (on either side). */
  large: boolean;
  /** LFS oids of a large file, git blob ids otherwise; null where unknown or absent. */
  oid: { a: string | null; b: string | null };
  /**
   * For a large file on both sides: bytes of b that are chunks a lacks (`newBytes`) or shares
   * (`sharedBytes`), from the chunk tables alone; null when a side has no chunk table (a
   * working-tree file that was not added).
   */
  chunks: { newBytes: number; sharedBytes: number } | null;
  /** How the content was compared. `none` with --stat or when the content is identical. */
  kind: 'tensors' | 'table' | 'text' | 'binary' | 'none';
  tensors?: TensorDiff;
  table?: TableDiff;
  text?: TextDiff;
  /** Set when the content could not be compared; the file-level fields are still right. */
  error?: { code: string; message: string; exitCode: number };
}

/** The whole document. */
export interface DiffResult {
  version: 1;
  a: DiffSide;
  b: DiffSide;
  /** True when no file differs. */
  identical: boolean;
  files: FileDiff[];
  summary: { files: number; added: number; deleted: number; modified: number; renamed: number; errors: number };
  /** Content bytes fetched from a remote to compute this diff. */
  bytesFetched: number;
}
