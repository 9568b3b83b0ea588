/**
 * lstat results packed into a Float64Array, STAT_FIELDS numbers per path, so that a worker thread
 * can hand back thousands of them in one transfer ({@link LstatBatches}) and the reader compares
 * them with index entries without an object, or a BigInt, per file. Times are split into whole
 * seconds and nanoseconds (both exact in a double); `mtimeNs` is their BigInt form.
 */
import type { BigIntStats } from 'node:fs';

/** Numbers per path: kind, mode, size, mtime seconds, mtime nanoseconds, ctime seconds, ctime nanoseconds, ino, dev, uid, gid. */
export const STAT_FIELDS = 11;

/** Offsets of the fields within a path's slots. */
export const Field = { Kind: 0, Mode: 1, Size: 2, MtimeSec: 3, MtimeNsec: 4, CtimeSec: 5, CtimeNsec: 6, Ino: 7, Dev: 8, Uid: 9, Gid: 10 } as const;

/** The kind slot: what the path is now (Other: gone since its directory was read, or neither a file nor a symlink). */
export const PackedKind = { Other: 0, File: 1, Symlink: 2 } as const;

const NS = 1_000_000_000n;

/** Writes `st` (undefined: the path is gone) into slot `i` of `out`. */
export function packStat(st: BigIntStats | undefined, out: Float64Array, i: number): void {
  const at = i * STAT_FIELDS;
  const kind = st === undefined ? PackedKind.Other : st.isFile() ? PackedKind.File : st.isSymbolicLink() ? PackedKind.Symlink : PackedKind.Other;
  out[at] = kind;
  if (st === undefined || kind === PackedKind.Other) return;
  out[at + Field.Mode] = Number(st.mode);
  out[at + Field.Size] = Number(st.size);
  // BigInt division truncates: a time before 1970 has a negative second and nanosecond part, as
  // `mtimeNs % 1e9` had where these were compared as BigInts
  out[at + Field.MtimeSec] = Number(st.mtimeNs / NS);
  out[at + Field.MtimeNsec] = Number(st.mtimeNs % NS);
  out[at + Field.CtimeSec] = Number(st.ctimeNs / NS);
  out[at + Field.CtimeNsec] = Number(st.ctimeNs % NS);
  out[at + Field.Ino] = Number(st.ino);
  out[at + Field.Dev] = Number(st.dev);
  out[at + Field.Uid] = Number(st.uid);
  out[at + Field.Gid] = Number(st.gid);
}

/** The modification time of slot `i` in nanoseconds. */
export function packedMtimeNs(stats: Float64Array, i: number): bigint {
  const at = i * STAT_FIELDS;
  return BigInt(stats[at + Field.MtimeSec]) * NS + BigInt(stats[at + Field.MtimeNsec]);
}

/** The status-change time of slot `i` in nanoseconds. */
export function packedCtimeNs(stats: Float64Array, i: number): bigint {
  const at = i * STAT_FIELDS;
  return BigInt(stats[at + Field.CtimeSec]) * NS + BigInt(stats[at + Field.CtimeNsec]);
}
