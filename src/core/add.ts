/**
 * `hub add PATH... | -A`: stage working files. Large files (filter=lfs, or at least
 * hub.largeFileThreshold bytes) go into the store and are staged as their LFS pointer; a file
 * that is large by size alone gets its own `.gitattributes` line, so git-lfs agrees with hub.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, UsageError } from '../errors.js';
import { addTrackedFilename } from '../formats/gitattributes.js';
import { indexEntryFromStat } from '../formats/git-index-stat.js';
import { isIgnored, normalizeRepoPath, scanWorktree, type WorktreeFile } from '../repo/worktree-scan.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { tmpDirOf } from './materialize.js';
import type { CoreContext } from './context.js';
import { loadAttributes, saveIndex, withRepo, type RepoSession } from './repo-session.js';
import { gitMode, hashWorktreeFile } from './worktree-hash.js';

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
    const scanned = scanWorktree(s.paths.workdir, wanted ? { paths: wanted.filter((p) => p !== '') } : undefined);
    if (wanted) checkPathspecs(s, wanted, scanned);
    s.attributes = loadAttributes(s.paths.workdir, scanned.filter((f) => f.path.endsWith('/.gitattributes')).map((f) => f.path));
    const result: AddResultJson = { added: [], removed: [], trackedBySize: [] };

    // large by size alone: give it a .gitattributes line first, so the rest of the add agrees
    let attrText = readRootAttributes(s);
    for (const f of scanned) {
      if (f.kind === 'file' && f.size >= s.threshold && !s.attributes.isLfs(f.path)) {
        const r = addTrackedFilename(attrText, f.path);
        attrText = r.text;
        result.trackedBySize.push(f.path);
      }
    }
    let files = scanned;
    if (result.trackedBySize.length) {
      writeFileAtomic(join(s.paths.workdir, '.gitattributes'), attrText, { tmpDir: tmpDirOf(s) });
      s.attributes = loadAttributes(s.paths.workdir, scanned.filter((f) => f.path.endsWith('/.gitattributes')).map((f) => f.path));
      files = scanWorktree(s.paths.workdir, wanted ? { paths: [...wanted.filter((p) => p !== ''), '.gitattributes'] } : undefined);
    }

    const present = new Set<string>();
    for (const f of files) {
      present.add(f.path);
      await stageFile(s, f, result);
    }
    // staged deletions: tracked paths under what was named that are gone from the working tree
    for (const path of [...s.index.keys()]) {
      if (present.has(path)) continue;
      if (wanted && !wanted.some((w) => w === '' || path === w || path.startsWith(`${w}/`))) continue;
      if (existsSync(join(s.paths.workdir, path)) && !isIgnored(s.paths.workdir, path)) continue;
      s.index.delete(path);
      s.statCache.entries.delete(path);
      result.removed.push(path);
    }
    saveIndex(s);
    return result;
  });
}

async function stageFile(s: RepoSession, f: WorktreeFile, result: AddResultJson): Promise<void> {
  const large = f.kind === 'file' && s.attributes.isLfs(f.path);
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
  for (const w of wanted) {
    if (w === '') continue;
    const inTree = scanned.some((f) => f.path === w || f.path.startsWith(`${w}/`));
    const inIndex = [...s.index.keys()].some((p) => p === w || p.startsWith(`${w}/`));
    if (inTree || inIndex) continue;
    if (existsSync(join(s.paths.workdir, w)) && isIgnored(s.paths.workdir, w)) {
      throw new UsageError(`'${w}' is ignored by .gitignore`, { hint: 'remove it from .gitignore to add it' }, 'path_ignored');
    }
    throw new NotFoundError(`pathspec '${w}' did not match any files`, { data: { path: w } }, 'pathspec_no_match');
  }
}
