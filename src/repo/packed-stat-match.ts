/**
 * git's stat test between an index entry in place (git-index-layout.ts) and a packed lstat
 * (lstat-pack.ts): the rule of entryMatchesStat (git-index-stat.ts) and the racy-clean rule of
 * unchangedSinceIndexed (core/worktree/worktree-hash.ts), on numbers, with no object per file.
 */
import type { GitIndexLayout } from '../formats/git-index-layout.js';
import { RACY_FINE_NS, RACY_NS } from '../formats/stat-cache.js';
import { Field, PackedKind, STAT_FIELDS } from './lstat-pack.js';

/**
 * True when index entry `i` was recorded from a file with exactly the lstat of slot `j` (a file
 * or a symlink): the same 32-bit size, inode, times to the nanosecond, owner and git mode that
 * entryMatchesStat compares.
 */
export function matchesPackedStat(l: GitIndexLayout, i: number, stats: Float64Array, j: number): boolean {
  const { view } = l;
  const off = l.offsets[i];
  const at = j * STAT_FIELDS;
  const size = stats[at + Field.Size];
  const size32 = size >>> 0;
  const mode = stats[at + Field.Kind] === PackedKind.Symlink ? 0o120000 : stats[at + Field.Mode] & 0o100 ? 0o100755 : 0o100644;
  return (
    view.getUint32(off + 36) === (size32 === 0 && size !== 0 ? 0x80000000 : size32) &&
    view.getUint32(off + 20) === stats[at + Field.Ino] >>> 0 &&
    view.getUint32(off + 12) === stats[at + Field.MtimeNsec] &&
    view.getUint32(off + 8) === stats[at + Field.MtimeSec] >>> 0 &&
    view.getUint32(off + 4) === stats[at + Field.CtimeNsec] &&
    view.getUint32(off) === stats[at + Field.CtimeSec] >>> 0 &&
    view.getUint32(off + 28) === stats[at + Field.Uid] >>> 0 &&
    view.getUint32(off + 32) === stats[at + Field.Gid] >>> 0 &&
    view.getUint32(off + 24) === mode
  );
}

/** The newest modification times that are not racy, for files with coarse (whole-millisecond) and fine time stamps, as [seconds, nanoseconds]. */
export interface RacyCutoff {
  coarse: [number, number];
  fine: [number, number];
}

const NS = 1_000_000_000n;

function split(ns: bigint): [number, number] {
  let sec = ns / NS;
  let rem = ns % NS;
  if (rem < 0n) {
    sec -= 1n;
    rem += NS;
  }
  return [Number(sec), Number(rem)];
}

/** The racy cutoffs of an index written at `indexMtimeNs`: a file modified at or after `indexMtimeNs - racyMarginNs(mtime)` is racy. */
export function racyCutoff(indexMtimeNs: bigint): RacyCutoff {
  return { coarse: split(indexMtimeNs - RACY_NS), fine: split(indexMtimeNs - RACY_FINE_NS) };
}

/** True when the file of slot `j` was modified too close to the index write for its stat data to prove it unchanged (git's racy-clean rule, with the stat cache's margins). */
export function isRacyPacked(stats: Float64Array, j: number, cutoff: RacyCutoff): boolean {
  const at = j * STAT_FIELDS;
  const sec = stats[at + Field.MtimeSec];
  const nsec = stats[at + Field.MtimeNsec];
  const [cutSec, cutNsec] = nsec % 1_000_000 === 0 ? cutoff.coarse : cutoff.fine;
  return sec > cutSec || (sec === cutSec && nsec >= cutNsec);
}
