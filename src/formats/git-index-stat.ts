/**
 * Index entries from file-system stat data, exactly as git records them (fill_stat_data,
 * create_ce_mode, munge_st_size): unsigned 32-bit fields, split nanosecond times, git modes.
 */
import { FormatError } from '../errors.js';
import { checkEntryIdentity, type GitIndexEntry } from './git-index.js';

const S_IFMT = 0o170000;

/** The fields of a Node `fs.Stats` or `fs.BigIntStats` (from lstat) that git records in an entry. */
export interface GitIndexStat {
  mode: number | bigint;
  size: number | bigint;
  ctimeMs?: number | bigint;
  mtimeMs?: number | bigint;
  ctimeNs?: bigint;
  mtimeNs?: bigint;
  dev: number | bigint;
  ino: number | bigint;
  uid: number | bigint;
  gid: number | bigint;
}

function low32(value: number | bigint, what: string): number {
  if (typeof value === 'bigint') return Number(BigInt.asUintN(32, value));
  if (!Number.isInteger(value)) throw new FormatError(`cannot index a file: stat ${what} ${value} is not an integer`, {}, 'bad_git_index');
  return value >>> 0;
}

/** Splits a stat time into git's unsigned 32-bit seconds and nanoseconds, exactly when `ns` is given. */
function splitTime(ns: bigint | undefined, ms: number | bigint | undefined, what: string): [number, number] {
  if (ns !== undefined) {
    let sec = ns / 1_000_000_000n;
    let rem = ns % 1_000_000_000n;
    if (rem < 0n) {
      sec -= 1n;
      rem += 1_000_000_000n;
    }
    return [Number(BigInt.asUintN(32, sec)), Number(rem)];
  }
  if (typeof ms === 'bigint') return splitTime(ms * 1_000_000n, undefined, what);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new FormatError(`cannot index a file: stat has no ${what}Ns or ${what}Ms`, {}, 'bad_git_index');
  }
  // A float millisecond time is only good to about a microsecond; BigIntStats give exact values.
  let sec = Math.floor(ms / 1000);
  let nsec = Math.round((ms - sec * 1000) * 1e6);
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  }
  return [low32(sec, `${what}Ms`), nsec];
}

/** Git's mode for a stat mode: symlink 120000, directory 160000 (gitlink), regular file 100755 when owner-executable else 100644. */
function gitMode(statMode: number): number {
  switch (statMode & S_IFMT) {
    case 0o120000:
      return 0o120000;
    case 0o040000:
      return 0o160000;
    case 0o100000:
      return statMode & 0o100 ? 0o100755 : 0o100644;
    default:
      throw new FormatError(`cannot index a file of type 0${(statMode & S_IFMT).toString(8)} (not a file, symlink or directory)`, {}, 'bad_git_index');
  }
}

/** The stage-0 entry git would record for `path` with blob `oid` and this lstat result (fill_stat_data, create_ce_mode, munge_st_size). */
export function indexEntryFromStat(path: string, oid: string, stat: GitIndexStat): GitIndexEntry {
  checkEntryIdentity(path, oid);
  // A non-empty file whose size is a multiple of 4 GiB would store 0, git's mark of a racily
  // clean entry; git (since late 2023) stores 2^31 instead, and so do we.
  const size = low32(stat.size, 'size');
  const [ctimeSeconds, ctimeNanoseconds] = splitTime(stat.ctimeNs, stat.ctimeMs, 'ctime');
  const [mtimeSeconds, mtimeNanoseconds] = splitTime(stat.mtimeNs, stat.mtimeMs, 'mtime');
  return {
    path,
    oid,
    mode: gitMode(Number(stat.mode)),
    size: size === 0 && stat.size !== 0 && stat.size !== 0n ? 0x80000000 : size,
    ctimeSeconds,
    ctimeNanoseconds,
    mtimeSeconds,
    mtimeNanoseconds,
    dev: low32(stat.dev, 'dev'),
    ino: low32(stat.ino, 'ino'),
    uid: low32(stat.uid, 'uid'),
    gid: low32(stat.gid, 'gid'),
    stage: 0,
    assumeValid: false,
    skipWorktree: false,
    intentToAdd: false,
  };
}

/** The lstat fields {@link entryMatchesStat} compares (times in exact nanoseconds). */
export interface ExactStat {
  mode: number;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: number;
  uid: number;
  gid: number;
}

const NS = 1_000_000_000n;

/**
 * True when `entry` was recorded from a file with exactly this stat (git's ie_match_stat, with
 * nanoseconds, owner and inode checked, as git with USE_NSEC and core.checkStat=default does):
 * the same 32-bit values {@link indexEntryFromStat} would store, and the same git mode.
 */
export function entryMatchesStat(entry: GitIndexEntry, st: ExactStat): boolean {
  const size = st.size >>> 0;
  return (
    entry.size === (size === 0 && st.size !== 0 ? 0x80000000 : size) &&
    entry.ino === st.ino >>> 0 &&
    entry.mtimeNanoseconds === Number(st.mtimeNs % NS) &&
    entry.mtimeSeconds === Number(BigInt.asUintN(32, st.mtimeNs / NS)) &&
    entry.ctimeNanoseconds === Number(st.ctimeNs % NS) &&
    entry.ctimeSeconds === Number(BigInt.asUintN(32, st.ctimeNs / NS)) &&
    entry.uid === st.uid >>> 0 &&
    entry.gid === st.gid >>> 0 &&
    entry.mode === gitMode(st.mode)
  );
}
