/**
 * `hub clone URL|OWNER/NAME [DIR] [--no-checkout] [--revision REV]`: history over smart HTTP,
 * content through the store. REV may be a branch of the remote (checked out as that local
 * branch, as `git clone -b`), a tag or a commit id (detached HEAD there, no local branch).
 * A clone that fails or is interrupted (Ctrl-C) leaves no directory behind (an empty one given as
 * DIR is left empty). A clone killed outright (a second Ctrl-C, SIGKILL, a crash) leaves its
 * marker `.git/hub/clone-in-progress`, written before anything else and removed last: rerunning
 * the same clone finds it and starts over in that directory, and large-file content that already
 * reached the store is not transferred again.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { writeFileAtomic } from '../../fs/atomic-file.js';
import { basename, join, resolve } from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { flattenTree, readCommit } from '../../repo/object-store.js';
import { lfsPointersOfCommit } from '../../repo/lfs-oids.js';
import { initRepo } from '../../repo/repository.js';
import { deleteRef, refExists, setHeadDetached, setHeadToBranch, writeRef } from '../../repo/refs.js';
import { resolveRemoteRevision, setBranchUpstream } from '../../repo/remote-refs.js';
import { cloneHistory } from '../../repo/sync.js';
import { hfRepoExists, hfRepoOf, type HfRepo } from '../../transfer/hf-api.js';
import { restore } from '../worktree/checkout.js';
import type { CoreContext } from '../context.js';
import { remoteAccess } from './remote-access.js';
import { resolveToken } from './credentials.js';
import { logHeadMove } from '../worktree/ref-log.js';
import { recordPartialSelection } from './content-on-demand.js';
import { fetchContent, transferOptions } from './fetch-content.js';
import { withStore } from '../store/open-store.js';
import { requireOnline } from './offline.js';
import { pidAlive } from '../../fs/pid-alive.js';
import { repoReference } from './remote.js';
import { pathFilter } from '../worktree/path-filter.js';

/** The `--json` shape of `hub clone`. */
export interface CloneResult {
  path: string;
  remote: string;
  /** The checked-out branch; null for a detached HEAD (--revision with a tag or commit). */
  branch: string | null;
  /** The --revision asked for, else null. */
  revision: string | null;
  commit: string | null;
  largeFiles: number;
  /** Large files left as pointers by --include/--exclude. */
  notFetched: string[];
  transfer: string | null;
  bytesReceived: number;
}

/** Options of {@link clone}. */
export interface CloneOptions {
  token?: string;
  noCheckout?: boolean;
  version: string;
  include?: string[];
  exclude?: string[];
  revision?: string;
  /** `--repo-type dataset` for an OWNER/NAME reference. */
  repoType?: string;
}

/** Clones a repository and checks out its default branch (or REV) with every large file verified. */
export async function clone(ctx: CoreContext, source: string, dir: string | undefined, opts: CloneOptions): Promise<CloneResult> {
  requireOnline(ctx, 'hub clone');
  const ref = repoReference(ctx, source, opts.repoType);
  const url = ref.url;
  if (ref.revision && opts.revision && ref.revision !== opts.revision) throw new UsageError(`two revisions given: '@${ref.revision}' and --revision ${opts.revision}`, {}, 'two_revisions');
  opts = { ...opts, revision: opts.revision ?? ref.revision };
  const target = resolve(ctx.cwd, dir ?? basename(new URL(url).pathname).replace(/\.git$/, ''));
  const unfinished = unfinishedClone(target, url);
  let created: boolean;
  if (unfinished) {
    ctx.progress({ type: 'notice', level: 'info', message: `restarting the interrupted clone in ${target} (content already in the store is not fetched again)` });
    removeClone(target, false);
    created = unfinished.createdDir;
  } else {
    created = !existsSync(target);
    if (!created && readdirSync(target).length > 0) throw new ConflictError(`destination ${target} exists and is not empty`, {}, 'destination_exists');
  }
  try {
    ctx.signal.throwIfAborted();
    markClone(target, { url, createdDir: created, pid: process.pid });
    const result = await cloneInto(ctx, url, target, opts);
    ctx.signal.throwIfAborted(); // interrupted at the very end: still no clone
    unlinkSync(markerPath(target));
    return result;
  } catch (err) {
    // like git: no half-made clone stays behind (the store keeps what was fetched, so a rerun
    // transfers only what is missing)
    removeClone(target, created);
    throw await datasetHint(ctx, source, opts, url, err);
  }
}

/**
 * `err`, or, when a bare OWNER/NAME was not found as a model but exists as a dataset, the
 * not-found error that says so (`hf` users write dataset names without `datasets/`).
 */
async function datasetHint(ctx: CoreContext, source: string, opts: CloneOptions, url: string, err: unknown): Promise<unknown> {
  const bare = /^([A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*)(@.*)?$/.exec(source);
  if (!bare || opts.repoType !== undefined || !(err instanceof NotFoundError) || err.code !== 'not_found') return err;
  const model = hfRepoOf(url);
  const dataset: HfRepo = { ...model, type: 'dataset' };
  if (!(await hfRepoExists(dataset, resolveToken(ctx, url, opts.token).token, ctx.signal))) return err;
  return new NotFoundError(`${bare[1]} is a dataset: hub clone datasets/${bare[1]}${bare[2] ?? ''}`, { cause: err, hint: 'or pass --repo-type dataset', data: { repo: bare[1], repoType: 'dataset' } }, 'not_found');
}

/** What the marker of an unfinished clone records. */
interface CloneMarker {
  url: string;
  /** The clone made the directory itself (so removing the clone removes it). */
  createdDir: boolean;
  /** The process cloning: while it lives, the directory is its own. */
  pid: number;
}

function markerPath(target: string): string {
  return join(target, '.git', 'hub', 'clone-in-progress');
}

/** Marks `target` as a clone in progress, before anything else is written there. */
function markClone(target: string, marker: CloneMarker): void {
  mkdirSync(join(target, '.git', 'hub'), { recursive: true });
  writeFileAtomic(markerPath(target), `${JSON.stringify(marker)}\n`);
}

/**
 * The marker of an unfinished clone of `url` in `target`, if there is one. A clone still running
 * there, or an unfinished clone of another URL, is a ConflictError: the directory is not ours.
 */
function unfinishedClone(target: string, url: string): CloneMarker | undefined {
  let text: string;
  try {
    text = readFileSync(markerPath(target), 'utf8');
  } catch {
    return undefined;
  }
  let marker: CloneMarker;
  try {
    marker = JSON.parse(text) as CloneMarker;
  } catch {
    marker = { url: '', createdDir: false, pid: 0 }; // torn by a crash while being written
  }
  if (pidAlive(marker.pid) && marker.pid !== process.pid) {
    throw new ConflictError(`destination ${target} is being cloned by another hub process (pid ${marker.pid})`, { hint: 'wait for it to finish' }, 'destination_exists');
  }
  if (marker.url && marker.url !== url) {
    throw new ConflictError(`destination ${target} holds an unfinished clone of ${marker.url}`, { hint: `rerun 'hub clone ${marker.url}' to finish it, or remove ${target}` }, 'destination_exists');
  }
  return { url, createdDir: marker.createdDir === true, pid: marker.pid };
}

/**
 * Removes a clone from `target`: the working files first, the marker last (killed midway, what
 * is left is still a marked unfinished clone), then the directory itself when the clone made it.
 */
function removeClone(target: string, removeDir: boolean): void {
  const rm = (dir: string, keep: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of names) if (e !== keep) rmSync(join(dir, e), { recursive: true, force: true });
  };
  rm(target, '.git');
  rm(join(target, '.git'), 'hub');
  rm(join(target, '.git', 'hub'), 'clone-in-progress');
  rmSync(join(target, '.git'), { recursive: true, force: true });
  if (removeDir) rmSync(target, { recursive: true, force: true });
}

async function cloneInto(ctx: CoreContext, url: string, target: string, opts: CloneOptions): Promise<CloneResult> {
  mkdirSync(target, { recursive: true });
  // before the clone there is no repository: git's global configuration (and the URL) decides;
  // after it, the clone's own, with the .lfsconfig of the commit checked out
  const before = await remoteAccess(ctx, { remote: { name: 'origin', url }, token: opts.token });
  const cloned = await cloneHistory({ dir: target, url, http: before.git() });
  await initRepo(target, opts.version);
  const gitdir = `${target}/.git`;
  const { branch, commit } = opts.revision ? await startAtRevision(gitdir, cloned.branch, cloned.commit, opts.revision) : cloned;
  const result: CloneResult = { path: target, remote: url, branch: branch ?? null, revision: opts.revision ?? null, commit: commit ?? null, largeFiles: 0, notFetched: [], transfer: null, bytesReceived: 0 };
  await withStore(ctx, (store) => store.index.registerRepo(target));
  if (!commit) {
    // an empty repository: start on hub's default branch (isomorphic-git would leave `master`)
    setHeadToBranch(gitdir, 'main');
    result.branch = 'main';
  }
  const paths = { workdir: target, gitdir, hubdir: join(gitdir, 'hub') };
  if (commit) await logHeadMove({ paths, ctx }, branch, { from: undefined, to: commit, message: `clone: from ${url}` });
  // a partial clone stays partial: later checkouts leave out what it left out (git-lfs's keys)
  await recordPartialSelection(paths, opts.include, opts.exclude);
  if (!commit || opts.noCheckout) return result;
  const selected = pathFilter(opts.include, opts.exclude);
  const pointers = await lfsPointersOfCommit(gitdir, commit);
  result.largeFiles = pointers.length;
  const wanted = pointers.filter((p) => selected(p.path));
  result.notFetched = pointers.filter((p) => !selected(p.path)).map((p) => p.path);
  // verified staging files in .git/hub/tmp: the checkout below renames them into place
  const stageDir = join(gitdir, 'hub', 'tmp');
  mkdirSync(stageDir, { recursive: true });
  const access = await remoteAccess(ctx, { remote: { name: 'origin', url }, token: opts.token, place: { workdir: target, gitdir, revision: commit } });
  const fetched = await withStore(ctx, (store) => fetchContent(store, access.lfs('download'), wanted, transferOptions(ctx, { dir: stageDir, durable: false })));
  result.transfer = fetched.transfer;
  result.bytesReceived = fetched.bytesReceived;
  try {
    // an empty index and working tree: the index from HEAD, then the files from the index
    if (pointers.length || (await flattenTree(gitdir, (await readCommit(gitdir, commit)).tree)).length) {
      const here = { ...ctx, cwd: target };
      await restore(here, ['.'], { staged: true });
      await restore(here, ['.'], { leavePointer: (p) => !selected(p), stagedFiles: fetched.staged });
    }
  } finally {
    for (const path of fetched.staged?.values() ?? []) rmSync(path, { force: true });
  }
  return result;
}

/**
 * Points HEAD at `revision` of the freshly cloned `origin`: a branch becomes the only local
 * branch (with its upstream), a tag or commit detaches HEAD and leaves no local branch.
 */
async function startAtRevision(gitdir: string, defaultBranch: string | undefined, commit: string | undefined, revision: string): Promise<{ branch?: string; commit: string }> {
  if (!commit) throw new NotFoundError(`the repository is empty: it has no revision '${revision}'`, { data: { revision } }, 'unknown_revision');
  const r = await resolveRemoteRevision(gitdir, 'origin', revision);
  if (r.kind === 'branch' && r.name === defaultBranch) return { branch: r.name, commit: r.commit };
  if (r.kind === 'branch') {
    writeRef(gitdir, `refs/heads/${r.name}`, r.commit);
    await setBranchUpstream(gitdir, r.name, 'origin');
    setHeadToBranch(gitdir, r.name);
  } else {
    setHeadDetached(gitdir, r.commit);
  }
  if (defaultBranch && (await refExists(gitdir, `refs/heads/${defaultBranch}`))) {
    await deleteRef(gitdir, `refs/heads/${defaultBranch}`);
    await setBranchUpstream(gitdir, defaultBranch, undefined);
  }
  return { branch: r.kind === 'branch' ? r.name : undefined, commit: r.commit };
}
