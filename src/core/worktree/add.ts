/**
 * `hub add PATH... | -A`: stage working files. Large files (filter=lfs, or at least
 * hub.largeFileThreshold bytes) go into the store and are staged as their LFS pointer; a file
 * that is large by size alone gets its own `.gitattributes` line, so git-lfs agrees with hub.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, UsageError } from '../../errors.js';
import { addTrackedFilename } from '../../formats/gitattributes.js';
import { indexEntryFromStat } from '../../formats/git-index-stat.js';
import { compareIndexPaths } from '../../formats/git-index.js';
import { isIgnored, normalizeRepoPath, scanWorktree, type WorktreeFile } from '../../repo/worktree-scan.js';
import { writeFileAtomic } from '../../fs/atomic-file.js';
import { readBlob } from '../../repo/object-store.js';
import { pointerOf } from '../../formats/lfs-pointer.js';
import { tmpDirOf } from './materialize.js';
import type { CoreContext } from '../context.js';
import { loadAttributes, saveIndex, withRepo, type RepoSession } from './repo-session.js';
import { attributeBlobsDiffer, attributeFilesFor, attributesOfBlobs, filesWhoseLargenessChanged, stagedAttributeBlobs } from './add-attributes.js';
import { statWorktreePath } from './worktree-fs.js';
import { gitMode, hashWorktreeFile, isAttributesPath, unchangedSinceIndexed } from './worktree-hash.js';

/** One staged path. */
export interface AddedFile {
  path: string;
  large: boolean;
  /** Git blob id staged (the pointer's, for large files). */
  blob: string;
  size: number;
  /** LFS oid of large content. */
  oid?: string;
  /** Stored bytes this add wrote (large files only; 0 when deduplicated entirely). */
}

/** The `--json` shape of `hub add`. */
export interface AddResultJson {
  added: AddedFile[];
  removed: string[];
  /** Paths that got a `.gitattributes` line because of their size. */
  trackedBySize: string[];
}

/** Stages `paths` (files or directories) or, with `all`, every change in the working tree. */
export async function add(ctx: CoreContext, paths: string[], opts: { all?: boolean }): Promise<AddResultJson> {
  if (!opts.all && paths.length === 0) throw new UsageError('nothing specified, nothing added', { hint: "give paths, or 'hub add -A' for everything" }, 'no_paths');
  return withRepo(ctx, { lock: true }, async (s) => {
    const wanted = opts.all ? undefined : paths.map((p) => normalizeRepoPath(s.paths.workdir, ctx.cwd, p));
    // `hub add .` at the top names the whole tree (''): scan everything, as -A does
    const scanned = scanWorktree(s.paths.workdir, wanted && !wanted.includes('') ? { paths: wanted } : undefined);
    if (wanted) checkPathspecs(s, wanted, scanned);
    s.attributes = loadAttributes(s.paths.workdir, nestedAttributeFiles(s, scanned));
    const stagedBefore = stagedAttributeBlobs(s);
    const indexAttributes = await attributesOfBlobs(s, stagedBefore);
    const result: AddResultJson = { added: [], removed: [], trackedBySize: [] };
    const threshold = await s.largeFileThreshold();

    // large by size alone: give it a .gitattributes line first, so the rest of the add agrees
    let files = [...scanned, ...trackedIgnored(s, scanned, wanted)];
    if (trackBySize(s, scanned.filter((f) => f.kind === 'file' && f.size >= threshold && !s.attributes.isLfs(f.path)).map((f) => f.path), result)) {
      files = withFile(scanned, statWorktreePath(s.paths.workdir, '.gitattributes'));
    }

    // git's way: a file whose stat is the one its index entry records is unchanged and not read,
    // unless the attributes in the working tree now say otherwise about it than the staged ones
    const staged = new Set<string>();
    const decides = new Set<string>(); // .gitattributes files that must be staged with what was staged
    for (const f of files) {
      const large = f.kind === 'file' && s.attributes.isLfs(f.path);
      const agrees = large === (f.kind === 'file' && indexAttributes.isLfs(f.path));
      if (agrees && unchangedSinceIndexed(s, f) && (!large || (await contentStored(s, s.index.get(f.path)!.oid)))) continue;
      await stageFile(s, f, result, large);
      staged.add(f.path);
      if (!agrees) for (const a of attributeFilesFor(f.path)) decides.add(a);
    }
    // the staged .gitattributes must say what the working ones say about what was staged
    for (const path of decides) {
      const f = staged.has(path) ? undefined : statWorktreePath(s.paths.workdir, path);
      if (f && !isIgnored(s.paths.workdir, path)) {
        await stageFile(s, f, result, false);
        staged.add(path);
      }
    }
    await renormalize(s, stagedBefore, staged, result);

    // staged deletions: tracked paths under what was named that are gone from the working tree
    const present = new Set(files.map((f) => f.path));
    const named = wanted && new Set(wanted);
    for (const path of [...s.index.paths()]) {
      if (present.has(path) || staged.has(path)) continue;
      if (named && !named.has('') && !coveredBy(path, named)) continue;
      if (existsSync(join(s.paths.workdir, path))) continue; // (a tracked file .gitignore excludes is in `files`)
      s.index.delete(path);
      if (s.statCacheLoaded()) s.statCache.entries.delete(path); // (a stale entry never matches a new file's stat)
      result.removed.push(path);
    }
    if (staged.size > 0 || result.removed.length > 0) saveIndex(s); // nothing staged: the index file is left as it was
    return result;
  });
}

/**
 * True when the large file staged as pointer blob `blob` has its content in the store, as `hub
 * add` promises (gc keeps staged but uncommitted content for its grace period only; adding the
 * file again puts it back).
 */
async function contentStored(s: RepoSession, blob: string): Promise<boolean> {
  const lfs = pointerOf(await readBlob(s.paths.gitdir, blob));
  return lfs !== undefined && s.store.hasObject(lfs.oid);
}

/** Gives each path in `paths` its own root `.gitattributes` line (as `git lfs track --filename`); false when there is none. */
function trackBySize(s: RepoSession, paths: readonly string[], result: AddResultJson): boolean {
  if (paths.length === 0) return false;
  let attrText = readRootAttributes(s);
  for (const p of paths) {
    attrText = addTrackedFilename(attrText, p).text;
    result.trackedBySize.push(p);
  }
  writeFileAtomic(join(s.paths.workdir, '.gitattributes'), attrText, { tmpDir: tmpDirOf(s) });
  s.attributes = loadAttributes(s.paths.workdir, nestedAttributeFiles(s, []));
  return true;
}

/**
 * When this add changed the staged `.gitattributes`, stages again every other tracked file whose
 * large-or-not answer they changed (from its working copy, as `git add --renormalize`), so the
 * index never holds a pointer that its attributes do not cover, nor content they say is large.
 * A file too big to be small under the new attributes keeps being large, by its own line.
 */
async function renormalize(s: RepoSession, stagedBefore: Map<string, string>, staged: Set<string>, result: AddResultJson): Promise<void> {
  let stagedAfter = stagedAttributeBlobs(s);
  if (!attributeBlobsDiffer(stagedBefore, stagedAfter)) return;
  const before = await attributesOfBlobs(s, stagedBefore);
  let after = await attributesOfBlobs(s, stagedAfter);
  const changed = filesWhoseLargenessChanged(s, before, after, staged).map((p) => statWorktreePath(s.paths.workdir, p)).filter((f) => f !== undefined);
  const threshold = await s.largeFileThreshold();
  const tooBig = changed.filter((f) => f.kind === 'file' && f.size >= threshold && !after.isLfs(f.path)).map((f) => f.path);
  if (trackBySize(s, tooBig, result)) {
    await stageFile(s, statWorktreePath(s.paths.workdir, '.gitattributes')!, result, false);
    stagedAfter = stagedAttributeBlobs(s);
    after = await attributesOfBlobs(s, stagedAfter);
  }
  for (const f of changed) {
    const large = f.kind === 'file' && after.isLfs(f.path);
    if (large === before.isLfs(f.path)) continue; // kept large by its own line
    await stageFile(s, f, result, large);
    staged.add(f.path);
  }
}

/** `list` with `file` in place of the entry of the same path, or added at its place in git order. */
function withFile(list: WorktreeFile[], file: WorktreeFile | undefined): WorktreeFile[] {
  if (!file) return list;
  return [...list.filter((f) => f.path !== file.path), file].sort((a, b) => compareIndexPaths(a.path, b.path));
}

/** True when `path` is one of `dirs` or lies below one of them. */
function coveredBy(path: string, dirs: ReadonlySet<string>): boolean {
  if (dirs.has(path)) return true;
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) if (dirs.has(path.slice(0, i))) return true;
  return false;
}

/** The nested `.gitattributes` files that can apply to the scanned files: the staged ones, the scanned ones, and those in the scanned files' directories. */
function nestedAttributeFiles(s: RepoSession, scanned: readonly WorktreeFile[]): string[] {
  const out = new Set<string>();
  for (const p of s.index.paths()) if (isAttributesPath(p)) out.add(p);
  const dirs = new Set<string>();
  for (const f of scanned) {
    if (isAttributesPath(f.path)) out.add(f.path);
    for (let i = f.path.lastIndexOf('/'); i > 0 && !dirs.has(f.path.slice(0, i)); i = f.path.lastIndexOf('/', i - 1)) dirs.add(f.path.slice(0, i));
  }
  for (const d of dirs) if (existsSync(join(s.paths.workdir, d, '.gitattributes'))) out.add(`${d}/.gitattributes`);
  out.delete('.gitattributes');
  return [...out];
}

async function stageFile(s: RepoSession, f: WorktreeFile, result: AddResultJson, large: boolean): Promise<void> {
  const h = await hashWorktreeFile(s, f, { store: true, large });
  const prev = s.index.get(f.path);
  const mode = gitMode(f);
  const entry = indexEntryFromStat(f.path, h.blob, { mode, size: f.size, ctimeNs: f.ctimeNs, mtimeNs: f.mtimeNs, dev: f.dev, ino: f.ino, uid: f.uid, gid: f.gid });
  s.index.set(f.path, entry);
  if (prev && prev.oid === h.blob && prev.mode === mode) return; // unchanged: not reported
  result.added.push({ path: f.path, large, blob: h.blob, size: h.lfs?.size ?? f.size, ...(h.lfs ? { oid: h.lfs.oid } : {}) });
}

function readRootAttributes(s: RepoSession): string {
  const p = join(s.paths.workdir, '.gitattributes');
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

/** Every named path must match a file, a tracked path, or a directory holding some. */
function checkPathspecs(s: RepoSession, wanted: string[], scanned: WorktreeFile[]): void {
  const named = new Set(wanted.filter((w) => w !== ''));
  const matched = new Set<string>();
  const mark = (p: string) => {
    if (named.has(p)) matched.add(p);
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) if (named.has(p.slice(0, i))) matched.add(p.slice(0, i));
  };
  for (const f of scanned) mark(f.path);
  for (const p of s.index.paths()) mark(p);
  for (const w of named) {
    if (matched.has(w)) continue;
    if (existsSync(join(s.paths.workdir, w)) && isIgnored(s.paths.workdir, w)) {
      throw new UsageError(`'${w}' is ignored by .gitignore`, { hint: 'remove it from .gitignore to add it' }, 'path_ignored');
    }
    throw new NotFoundError(`pathspec '${w}' did not match any files`, { data: { path: w } }, 'pathspec_no_match');
  }
}

/**
 * Tracked files under what was named that the scan left out because .gitignore excludes them:
 * git keeps tracking such a file (`git add -A` stages its changes; only `git rm --cached` stops
 * tracking it), and so does hub.
 */
function trackedIgnored(s: RepoSession, scanned: readonly WorktreeFile[], wanted: readonly string[] | undefined): WorktreeFile[] {
  const present = new Set(scanned.map((f) => f.path));
  const named = wanted && !wanted.includes('') ? new Set(wanted) : undefined;
  const out: WorktreeFile[] = [];
  for (const path of s.index.paths()) {
    if (present.has(path) || (named && !coveredBy(path, named)) || !isIgnored(s.paths.workdir, path)) continue;
    const f = statWorktreePath(s.paths.workdir, path);
    if (f) out.push(f);
  }
  return out;
}
