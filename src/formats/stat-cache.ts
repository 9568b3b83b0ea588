/**
 * hub's stat cache (`.git/hub/stat-cache`, DESIGN.md §2): for each large working-tree file, the
 * stat data seen when it was last hashed and what it hashed to (the git blob id of its pointer,
 * the LFS oid and size). Small files need no entry: their index entry's stat data proves them. A file whose stat is unchanged, and was not modified too close to when
 * the cache was written (git's "racy" rule), is not hashed again. The cache is only ever a hint:
 * a missing or stale entry means "hash the file".
 */
import { FormatError } from '../errors.js';

/** What a path hashed to, and the stat data it had then. */
export interface StatCacheEntry {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: number;
  mode: number;
  /** Git blob id of what is committed for the file (the pointer for large files). */
  blob: string;
  /** For large files: the LFS oid and size of the content. */
  lfs?: { oid: string; size: number };
}

/** The whole cache. */
export interface StatCache {
  /** When the cache was written (ns since the epoch): entries modified within the racy margin before it are re-hashed. */
  writtenNs: bigint;
  entries: Map<string, StatCacheEntry>;
}

/** Files modified within this long before the cache was written are not trusted (coarse file times). */
export const RACY_NS = 1_000_000_000n;

/**
 * The margin for a file whose mtime has sub-millisecond digits, i.e. a file system with fine
 * time stamps: Linux stamps files from a clock that advances at least every 10 ms, so a change
 * made after the stat was taken shows up as a different mtime once this much has passed. Git
 * itself trusts anything older than its index file.
 */
export const RACY_FINE_NS = 50_000_000n;

/** The racy margin that applies to a file with modification time `mtimeNs`. */
export function racyMarginNs(mtimeNs: bigint): bigint {
  return mtimeNs % 1_000_000n === 0n ? RACY_NS : RACY_FINE_NS;
}

/** An empty cache. */
export function emptyStatCache(): StatCache {
  return { writtenNs: 0n, entries: new Map() };
}

type Row = [string, number, string, string, number, number, string, string?, number?];

/**
 * Serializes the cache as one JSON document (bigints as decimal strings). Only large files'
 * entries are written: a small file is proven by its index entry's own stat data (as git does),
 * so rows for them, which older versions wrote, are dropped here.
 */
export function serializeStatCache(cache: StatCache): string {
  const rows: Row[] = [];
  for (const [path, e] of [...cache.entries].filter(([, e]) => e.lfs !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const row: Row = [path, e.size, String(e.mtimeNs), String(e.ctimeNs), e.ino, e.mode, e.blob];
    if (e.lfs) row.push(e.lfs.oid, e.lfs.size);
    rows.push(row);
  }
  return `${JSON.stringify({ version: 1, writtenNs: String(cache.writtenNs), entries: rows })}\n`;
}

/** Parses a cache; throws FormatError 'bad_stat_cache' (callers treat that as an empty cache). */
export function parseStatCache(text: string): StatCache {
  let doc: { version?: unknown; writtenNs?: unknown; entries?: unknown };
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FormatError('stat cache is not JSON', {}, 'bad_stat_cache');
  }
  if (doc.version !== 1 || typeof doc.writtenNs !== 'string' || !Array.isArray(doc.entries)) {
    throw new FormatError('stat cache has an unknown layout', {}, 'bad_stat_cache');
  }
  const entries = new Map<string, StatCacheEntry>();
  for (const row of doc.entries as Row[]) {
    if (!Array.isArray(row) || row.length < 7 || typeof row[0] !== 'string' || typeof row[6] !== 'string') {
      throw new FormatError('stat cache has a malformed entry', {}, 'bad_stat_cache');
    }
    const [path, size, mtime, ctime, ino, mode, blob, lfsOid, lfsSize] = row;
    entries.set(path, {
      size,
      mtimeNs: BigInt(mtime),
      ctimeNs: BigInt(ctime),
      ino,
      mode,
      blob,
      ...(lfsOid !== undefined ? { lfs: { oid: lfsOid, size: lfsSize ?? 0 } } : {}),
    });
  }
  return { writtenNs: BigInt(doc.writtenNs), entries };
}

/** The stat fields a cache entry is checked against. */
export interface StatLike {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: number;
  mode: number;
}

/** The cached entry for `path` if it can be trusted for a file with stat `st`. */
export function trustedEntry(cache: StatCache, path: string, st: StatLike): StatCacheEntry | undefined {
  const e = cache.entries.get(path);
  if (!e) return undefined;
  if (e.size !== st.size || e.mtimeNs !== st.mtimeNs || e.ctimeNs !== st.ctimeNs || e.ino !== st.ino || e.mode !== st.mode) return undefined;
  if (st.mtimeNs >= cache.writtenNs - racyMarginNs(st.mtimeNs)) return undefined;
  return e;
}
