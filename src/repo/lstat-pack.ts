/**
 * lstat results packed into a BigInt64Array, STAT_FIELDS slots per path, so that a worker thread
 * can hand back 100,000 of them in one transfer ({@link lstatMany}).
 */
import type { BigIntStats } from 'node:fs';

/** Slots per path: kind, mode, size, mtimeNs, ctimeNs, ino, dev, uid, gid. */
export const STAT_FIELDS = 9;

/** The kind slot: what the path is now (Other: gone since its directory was read, or neither a file nor a symlink). */
export const PackedKind = { Other: 0, File: 1, Symlink: 2 } as const;

/** Writes `st` (undefined: the path is gone) into slot `i` of `out`. */
export function packStat(st: BigIntStats | undefined, out: BigInt64Array, i: number): void {
  const at = i * STAT_FIELDS;
  const kind = st === undefined ? PackedKind.Other : st.isFile() ? PackedKind.File : st.isSymbolicLink() ? PackedKind.Symlink : PackedKind.Other;
  out[at] = BigInt(kind);
  if (st === undefined || kind === PackedKind.Other) return;
  out[at + 1] = st.mode;
  out[at + 2] = st.size;
  out[at + 3] = st.mtimeNs;
  out[at + 4] = st.ctimeNs;
  out[at + 5] = st.ino;
  out[at + 6] = st.dev;
  out[at + 7] = st.uid;
  out[at + 8] = st.gid;
}
