/**
 * The diff a commit or compare page shows: what `hub diff --stats A B` computes (docs/diff.md),
 * from the server's bare repository and content store, with the pure modules of src/diff: the
 * changed paths from `git diff-tree`, renames paired by tree-diff, per file the "new versus
 * shared" chunk bytes from the chunk tables, and the content compared by kind (tensors with
 * statistics, tables, text). Bounded: at most {@link MAX_FILES} paths, content compared for the
 * first {@link MAX_CONTENT_FILES}, and content reads within a byte budget per page
 * ({@link DEFAULT_READ_BUDGET}); what was left out is said in the result. Runs in the content
 * worker. LFS objects are read only when the repository holds them (`held`, asked of the
 * request thread's metadata), so a page never shows what the repository could not serve.
 */
import { dirname, posix } from 'node:path';
import { bufferSource, type ByteSource } from '../../diff/byte-source.js';
import type { FileDiff } from '../../diff/diff-result.js';
import { kindOfPath, looksLikeText, type FileKind } from '../../diff/file-kind.js';
import { newVersusShared } from '../../diff/chunk-fingerprint.js';
import { diffTables } from '../../diff/table-diff.js';
import { diffText } from '../../diff/text-diff.js';
import { diffTrees, type TreeChange, type TreeEntry } from '../../diff/tree-diff.js';
import { HubError, NotFoundError } from '../../errors.js';
import { looksLikePointer, parsePointer } from '../../formats/lfs-pointer.js';
import type { BareRepo } from '../git-read.js';
import { changedPaths } from './git-history.js';
import type { RepoObjects } from './git-objects.js';
import { budgetedTensorDiff, type BudgetedTensorDiff, type ReadBudget } from './tensor-budget.js';
import type { StoreReader } from './store-reader.js';
import { openRef, type FileRef } from './web-sources.js';

/** Most changed paths a page lists. */
export const MAX_FILES = 1000;
/** Most files whose content a page compares. */
export const MAX_CONTENT_FILES = 50;
/** Content bytes one page may read (tensor data, tables, text), both sides together. */
export const DEFAULT_READ_BUDGET = 96 << 20;
/** Largest text file (per side) shown as a patch. */
export const MAX_TEXT_BYTES = 1 << 20;
/** How many examples each list keeps (`hub diff --limit`). */
export const EXAMPLES = 50;

/** One file of a page's diff: hub diff's FileDiff, with the budget-bounded tensor diff and a note. */
export interface WebFileDiff extends FileDiff {
  tensors?: BudgetedTensorDiff;
  /** Why the content was not (fully) compared. */
  note?: string;
}

/** A page's diff. */
export interface WebDiff {
  a: string | null;
  b: string;
  files: WebFileDiff[];
  /** More paths changed than {@link MAX_FILES}. */
  truncated: boolean;
  summary: { files: number; added: number; deleted: number; modified: number; renamed: number };
  /** Content bytes the page read, and its budget. */
  bytesRead: number;
  budget: number;
}

/** What the diff needs: the repository, the store, and which LFS objects the repository holds. */
export interface DiffContext {
  bare: BareRepo;
  /** The repository's long-running object readers. */
  objects: RepoObjects;
  reader: StoreReader;
  held: (oids: string[]) => Promise<boolean[]>;
}

/** Git blobs read together up to this many bytes (pointers, and the small files a diff compares). */
const PRELOAD_BYTES = 16 << 20;

interface Entry extends TreeEntry {
  size?: number;
  lfs?: { oid: string; size: number };
  /** The blob's bytes, when read with the others. */
  bytes?: Buffer;
}

/** Reads sizes and LFS pointers of `entries`, and small blobs' bytes, through the repository's object readers. */
async function describe(objects: RepoObjects, entries: Entry[]): Promise<void> {
  const blobs = entries.filter((e) => e.mode !== 0o160000);
  const sizes = await objects.info(blobs.map((e) => e.blob));
  blobs.forEach((e, i) => (e.size = sizes[i]?.size ?? 0));
  let budget = PRELOAD_BYTES;
  const small = blobs
    .filter((e) => e.size! <= MAX_TEXT_BYTES)
    .sort((x, y) => x.size! - y.size!)
    .filter((e) => (budget -= e.size!) >= 0);
  const found = await objects.contents(small.map((e) => e.blob));
  const bytes = small.map((e, i) => {
    if (!found[i]) throw new Error(`git cat-file: blob ${e.blob} is missing`);
    return found[i]!.content;
  });
  small.forEach((e, i) => {
    e.bytes = bytes[i];
    if (e.mode === 0o120000 || e.size! >= 1024 || !looksLikePointer(bytes[i])) return;
    try {
      const p = parsePointer(bytes[i]);
      e.lfs = { oid: p.oid, size: p.size };
    } catch {
      // an ordinary small file that starts like a pointer
    }
  });
}

/** The diff from commit `a` (undefined: the empty tree) to commit `b`. */
export async function commitDiff(ctx: DiffContext, a: string | undefined, b: string, budgetBytes = DEFAULT_READ_BUDGET): Promise<WebDiff> {
  const { changes: raw, truncated } = await changedPaths(ctx.bare, a, b, MAX_FILES);
  const A = new Map<string, Entry>();
  const B = new Map<string, Entry>();
  for (const r of raw) {
    if (r.oidA) A.set(r.path, { path: r.path, mode: parseInt(r.modeA, 8), blob: r.oidA });
    if (r.oidB) B.set(r.path, { path: r.path, mode: parseInt(r.modeB, 8), blob: r.oidB });
  }
  await describe(ctx.objects, [...A.values(), ...B.values()]);
  const lfsOids = [...new Set([...A.values(), ...B.values()].flatMap((e) => (e.lfs ? [e.lfs.oid] : [])))];
  const heldList = await ctx.held(lfsOids);
  const held = new Set(lfsOids.filter((_, i) => heldList[i]));
  const budget: ReadBudget = { remaining: budgetBytes, total: budgetBytes };
  const sides = { a: sideOpener(ctx, a, held, 'a'), b: sideOpener(ctx, b, held, 'b') };
  const files: WebFileDiff[] = [];
  for (const change of diffTrees(A, B)) {
    files.push(await fileDiff(ctx, change, held, sides, budget, files.length < MAX_CONTENT_FILES));
  }
  const count = (s: FileDiff['status']) => files.filter((f) => f.status === s).length;
  return {
    a: a ?? null,
    b,
    files,
    truncated,
    summary: { files: files.length, added: count('added'), deleted: count('deleted'), modified: count('modified'), renamed: count('renamed') },
    bytesRead: budgetBytes - budget.remaining,
    budget: budgetBytes,
  };
}

/** Opens files of one side: entries of the diff, or (shards of a checkpoint) any path of the commit. */
interface SideOpener {
  entry(e: Entry): Promise<ByteSource>;
  path(path: string): Promise<ByteSource | undefined>;
}

function sideOpener(ctx: DiffContext, commit: string | undefined, held: Set<string>, label: string): SideOpener {
  const short = commit?.slice(0, 7) ?? label;
  const refOf = (e: Entry): FileRef => {
    if (!e.lfs) return { kind: 'git', oid: e.blob, size: e.size ?? 0 };
    if (!held.has(e.lfs.oid)) throw new NotFoundError(`${e.path}: content is not on this server`, {}, 'content_missing');
    return { kind: 'lfs', oid: e.lfs.oid, size: e.lfs.size };
  };
  const entry = async (e: Entry) => (e.bytes && !e.lfs ? bufferSource(`${e.path}@${short}`, e.bytes) : openRef(refOf(e), `${e.path}@${short}`, ctx.reader, ctx.objects));
  return {
    entry,
    async path(path) {
      if (!commit) return undefined;
      const [found] = path.includes('\n') ? [undefined] : await ctx.objects.info([`${commit}:${path}`]);
      if (found?.type !== 'blob') return undefined;
      const e: Entry = { path, mode: 0o100644, blob: found.oid };
      await describe(ctx.objects, [e]);
      if (e.lfs && !held.has(e.lfs.oid)) {
        const [yes] = await ctx.held([e.lfs.oid]);
        if (yes) held.add(e.lfs.oid);
      }
      return entry(e);
    },
  };
}

async function fileDiff(ctx: DiffContext, change: TreeChange<Entry>, held: Set<string>, sides: { a: SideOpener; b: SideOpener }, budget: ReadBudget, compare: boolean): Promise<WebFileDiff> {
  const { a, b } = change;
  const out: WebFileDiff = {
    path: change.path,
    ...(change.oldPath ? { oldPath: change.oldPath } : {}),
    status: change.status,
    mode: { a: a ? a.mode.toString(8) : null, b: b ? b.mode.toString(8) : null },
    size: { a: a ? (a.lfs?.size ?? a.size ?? 0) : null, b: b ? (b.lfs?.size ?? b.size ?? 0) : null },
    large: !!(a?.lfs || b?.lfs),
    oid: { a: a?.lfs?.oid ?? a?.blob ?? null, b: b?.lfs?.oid ?? b?.blob ?? null },
    chunks: null,
    kind: 'none',
  };
  try {
    if (a?.lfs && b?.lfs && held.has(a.lfs.oid) && held.has(b.lfs.oid)) out.chunks = await chunkSummary(ctx, a.lfs.oid, b.lfs.oid, b.lfs.size, change.path);
    if ((a && b && a.blob === b.blob) || a?.mode === 0o160000 || b?.mode === 0o160000) return out;
    if (!compare) {
      out.note = `content not compared: a page compares the first ${MAX_CONTENT_FILES} files`;
      return out;
    }
    const sa = a ? await sides.a.entry(a) : undefined;
    const sb = b ? await sides.b.entry(b) : undefined;
    await compareContent(out, change.path, sa, sb, sides, budget);
  } catch (err) {
    if (!(err instanceof HubError)) throw err;
    const message = err.message.split('\n')[0];
    out.error = { code: err.code, message: message.includes(change.path) ? message : `${change.path}: ${message}`, exitCode: err.exitCode };
  }
  return out;
}

/** Bytes of B in chunks A lacks versus shared with A, from the chunk tables (no content read). */
async function chunkSummary(ctx: DiffContext, oidA: string, oidB: string, sizeB: number, path: string): Promise<FileDiff['chunks']> {
  if (oidA === oidB) return { newBytes: 0, sharedBytes: sizeB };
  return newVersusShared(await ctx.reader.chunks(await ctx.reader.layout(oidA, path)), await ctx.reader.chunks(await ctx.reader.layout(oidB, path)), sizeB);
}

async function compareContent(out: WebFileDiff, path: string, a: ByteSource | undefined, b: ByteSource | undefined, sides: { a: SideOpener; b: SideOpener }, budget: ReadBudget): Promise<void> {
  const kind: FileKind = kindOfPath(path) ?? (await sniff(a, b));
  const both = (a?.size ?? 0) + (b?.size ?? 0);
  if (kind.kind === 'tensors') {
    out.kind = 'tensors';
    const shards = (side: SideOpener) => async (shard: string) => side.path(dirname(path) === '.' ? shard : posix.join(dirname(path), shard));
    out.tensors = await budgetedTensorDiff(kind.format, a, b, { a: shards(sides.a), b: shards(sides.b) }, { limit: EXAMPLES, budget });
    const skipped = out.tensors.notCompared.count;
    const tensors = `${skipped} tensor${skipped === 1 ? '' : 's'} whose chunks differ`;
    if (skipped > 0) out.note = budget.total === 0 ? `${tensors}: statistics are being computed` : `${tensors} were not read: over the page's read budget of ${budget.total >> 20} MiB`;
  } else if (kind.kind === 'table') {
    out.kind = 'table';
    if (both > budget.remaining) {
      out.note = budget.total === 0 ? 'table: the comparison is being computed' : `table not compared: its ${both} bytes are over what is left of the page's read budget`;
      return;
    }
    budget.remaining -= both;
    out.table = await diffTables(a, b, { format: kind.format, limit: EXAMPLES });
  } else if (kind.kind === 'text') {
    out.kind = 'text';
    budget.remaining = Math.max(0, budget.remaining - both);
    const decode = async (s: ByteSource | undefined) => (s ? new TextDecoder().decode(await s.read(0, s.size)) : undefined);
    out.text = diffText(await decode(a), await decode(b), a ? `a/${out.oldPath ?? path}` : '/dev/null', b ? `b/${path}` : '/dev/null');
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
