/**
 * One changed file of `hub diff`: the file-level facts (status, modes, sizes, oids, new versus
 * shared chunk bytes), then the content compared by kind (tensors, table, text, binary). A file
 * whose content cannot be compared (a malformed header, a missing object) keeps its file-level
 * facts and gets `error`; the other files are unaffected.
 */
import type { ByteSource } from '../../diff/byte-source.js';
import type { FileDiff } from '../../diff/diff-result.js';
import { kindOfPath, looksLikeText, type FileKind } from '../../diff/file-kind.js';
import { diffText } from '../../diff/text-diff.js';
import type { TreeChange } from '../../diff/tree-diff.js';
import { HubError } from '../../errors.js';
import type { LargeFiles } from './diff-large.js';
import { withReadProgress } from './diff-progress.js';
import { silentProgress, type ProgressSink } from '../../progress.js';
import { diffTensorsOf, diffTableOf } from './diff-formats.js';
import type { Side, SideEntry } from './diff-sides.js';

/** What the content comparison may use. */
export interface ContentOptions {
  /** --stat: file level only. */
  statOnly: boolean;
  stats: boolean;
  key?: string[];
  limit: number;
  /** Where the progress of big comparisons goes. */
  progress?: ProgressSink;
  /** Stops the comparison between two reads (an abort is never a per-file error). */
  signal?: AbortSignal;
}

/** Largest text file (per side) shown as a unified diff; bigger ones are summarised as binary. */
const MAX_TEXT_BYTES = 8 << 20;

/** The diff of one changed path. */
export async function fileDiff(change: TreeChange<SideEntry>, A: Side, B: Side, large: LargeFiles | undefined, opts: ContentOptions): Promise<FileDiff> {
  const { a, b } = change;
  const lfsA = a ? await A.lfsOf(a) : undefined;
  const lfsB = b ? await B.lfsOf(b) : undefined;
  const out: FileDiff = {
    path: change.path,
    ...(change.oldPath ? { oldPath: change.oldPath } : {}),
    status: change.status,
    mode: { a: a ? a.mode.toString(8) : null, b: b ? b.mode.toString(8) : null },
    size: { a: a ? await A.sizeOf(a) : null, b: b ? await B.sizeOf(b) : null },
    large: !!(lfsA || lfsB),
    oid: { a: lfsA?.oid ?? a?.blob ?? null, b: lfsB?.oid ?? b?.blob ?? null },
    chunks: null,
    kind: 'none',
  };
  try {
    if (lfsA && lfsB && large) out.chunks = await chunkSummary(large, lfsA, lfsB, change.path);
    const same = a && b && a.blob === b.blob;
    // --stat reads tables still: their row counts are the stat (examples are not kept)
    if (same || (opts.statOnly && kindOfPath(change.path)?.kind !== 'table')) return out;
    const sa = a ? await A.open(a) : undefined;
    const sb = b ? await B.open(b) : undefined;
    await withReadProgress(opts.progress ?? silentProgress, change.path, sa, sb, (x, y) => compareContent(out, change, x, y, A, B, opts), opts.signal);
  } catch (err) {
    if (!(err instanceof HubError) || opts.signal?.aborted) throw err;
    // one line that names a file: the format modules name the side they read; anything else gets the path
    const message = err.message.split('\n')[0];
    const named = [change.path, change.oldPath, a?.path, b?.path, a?.file, b?.file].some((n) => n && message.includes(n));
    out.error = { code: err.code, message: named ? message : `${change.path}: ${message}`, exitCode: err.exitCode };
  }
  return out;
}

/** Bytes of b's chunks that a lacks, from the chunk tables (no content read). */
async function chunkSummary(large: LargeFiles, a: { oid: string; size: number }, b: { oid: string; size: number }, path: string): Promise<FileDiff['chunks']> {
  if (a.oid === b.oid) return { newBytes: 0, sharedBytes: b.size };
  let ca;
  let cb;
  try {
    [ca, cb] = [await large.chunks(a.oid, a.size, path), await large.chunks(b.oid, b.size, path)];
  } catch {
    return null; // e.g. a working-tree file that was never added: no chunk table, no summary
  }
  const have = new Set(ca.map((c) => c.hash));
  const newBytes = cb.reduce((n, c) => n + (have.has(c.hash) ? 0 : c.length), 0);
  return { newBytes, sharedBytes: b.size - newBytes };
}

async function compareContent(out: FileDiff, change: TreeChange<SideEntry>, a: ByteSource | undefined, b: ByteSource | undefined, A: Side, B: Side, opts: ContentOptions): Promise<void> {
  const { path } = change;
  const kind: FileKind = kindOfPath(path) ?? (await sniff(a, b));
  if (kind.kind === 'tensors') {
    out.kind = 'tensors';
    out.tensors = await diffTensorsOf(kind.format, a, b, { stats: opts.stats, limit: opts.limit }, path, A, B);
  } else if (kind.kind === 'table') {
    out.kind = 'table';
    out.table = await diffTableOf(kind.format, a, b, { key: opts.key, limit: opts.statOnly ? 0 : opts.limit });
  } else if (kind.kind === 'text') {
    out.kind = 'text';
    const decode = async (s: ByteSource | undefined) => (s ? new TextDecoder().decode(await s.read(0, s.size)) : undefined);
    out.text = diffText(await decode(a), await decode(b), change.a ? `a/${change.a.path}` : '/dev/null', change.b ? `b/${change.b.path}` : '/dev/null');
  } else out.kind = 'binary';
}

/** Text or binary, from the first bytes of each side (and their sizes). */
async function sniff(a: ByteSource | undefined, b: ByteSource | undefined): Promise<FileKind> {
  for (const s of [a, b]) {
    if (!s) continue;
    if (s.size > MAX_TEXT_BYTES || !looksLikeText(await s.read(0, 8192))) return { kind: 'binary' };
  }
  return { kind: 'text' };
}
