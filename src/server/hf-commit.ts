/**
 * Applies a Hugging Face commit payload (hf-commit-payload.ts) to a branch of a bare repository
 * as one real git commit (git-write.ts). The rules, and why:
 *
 * - `lfsFile` entries become canonical LFS v1 pointers, and a `file` whose content is itself a
 *   pointer counts as one: every such pointer must name an object this repository holds (the
 *   pre-receive hook's rule for pushes; no hook runs here), else 422 naming the paths.
 * - A `file` at a path the new tree's `.gitattributes` marks `filter=lfs` is stored as LFS (its
 *   bytes go to the content store, a pointer is committed), so that such paths always hold
 *   pointers, as `hub add` and git-lfs would commit them.
 * - Pointers at paths no `.gitattributes` rule covers get a `git lfs track --filename` line in
 *   the root `.gitattributes` (as the HF Hub does), so real git-lfs clients smudge them.
 * - Operations apply in order on the branch tip's tree; deleting what is not there is 404
 *   EntryNotFound; a file where the new tree has a folder of that name (or under a file) is 400.
 * - `parentCommit` given and the branch elsewhere: 409 as issue 7 asks (the HF Hub answers 412). Without it, a
 *   commit that loses the compare-and-swap to a concurrent writer is rebuilt on the new tip.
 * - A `file` whose content git-lfs would read as a pointer but hub would not (or the other way
 *   round: lfs-pointer-reading.ts) is refused (422), as the pre-receive hook refuses it in a push.
 * - The new objects pass the checks `receive.fsckObjects` applies to a push (`git index-pack
 *   --strict`: `.gitmodules` URLs, names read as `.git`, ...) before the branch moves; else 422.
 *
 * Work that grows with the commit's files (chunking LFS content, matching attributes) runs as
 * jobs of the server's worker threads (`ctx.jobs`, work-pool.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pointerFor } from '../formats/lfs-pointer.js';
import type { Store } from '../store/store.js';
import { Breather } from './breather.js';
import * as git from './git-write.js';
import { hfError } from './hf-access.js';
import { holdObject } from './hold-object.js';
import { attributesBase, isAttributesPath, type AttributeFile } from './hf-attributes.js';
import { commitMessage, type CommitHeader, type CommitOperation } from './hf-commit-payload.js';
import { stageOperation, type StagedOperation } from './hf-commit-stage.js';
import { HttpError } from './http-util.js';
import type { Metadata, RepoRecord, User } from './metadata.js';
import { runJob, type JobArgs, type JobName, type JobResult } from './work-jobs.js';

export type { StagedOperation } from './hf-commit-stage.js';

/** The branch a commit goes to and its tip (none: the first commit of an empty repository). */
export interface CommitTarget {
  branch: string;
  tip?: string;
}

/** Runs a job of work-jobs.ts for this commit's caller (on a worker thread of the server). */
export type JobRunner = <K extends JobName>(name: K, args: JobArgs<K>, transfer?: ArrayBuffer[]) => Promise<JobResult<K>>;

/** Runs jobs on the calling thread with `store` (for callers without a WorkPool, such as tests). */
export function inlineJobs(store: Store): JobRunner {
  return (name, args) => runJob({ store }, name, args);
}

/** What applying a commit needs. */
export interface CommitContext {
  dir: string;
  repo: RepoRecord;
  meta: Metadata;
  store: Store;
  /** Where O(file) work runs (default: inline, with `store`). */
  jobs?: JobRunner;
}

/** The answer HF gives when `parentCommit` is not the branch tip (clients match status and text). */
export const STALE_PARENT = 'A commit has happened since. Please refresh and try again.';
const MAX_ATTEMPTS = 5;
const MAX_NAMED = 20;
const BAD_BRANCH_RE = /^[-/.]|[/.]$|\.\.|@\{|\/\/|\/\.|\.lock(\/|$)|[\u0000-\u0020\u007f~^:?*[\\]/;

/** Whether `name` can be a branch (git check-ref-format's rules, as far as an API needs them). */
export function validBranchName(name: string): boolean {
  return name !== '' && name !== '@' && name.length <= 255 && !BAD_BRANCH_RE.test(name);
}

/**
 * The branch `rev` names (`refs/heads/` optional) and its tip. An empty repository accepts its
 * first commit on the branch HEAD names. A revision that is a tag or a commit id is 400 (commits
 * go to branches); anything else is 404 RevisionNotFound.
 */
export async function commitTarget(dir: string, rev: string): Promise<CommitTarget> {
  const branch = rev.startsWith('refs/heads/') ? rev.slice('refs/heads/'.length) : rev;
  if (validBranchName(branch)) {
    const tip = await git.branchTip(dir, branch);
    if (tip) return { branch, tip };
    if ((await git.hasNoBranches(dir)) && branch === (await git.headBranch(dir))) return { branch };
  }
  const plausible = validBranchName(rev) || /^[0-9a-f]{4,64}$/.test(rev);
  if (plausible && (await git.resolvesToCommit(dir, rev))) throw hfError(400, 'BadRequest', `revision ${JSON.stringify(rev)} is not a branch: commits can only be made on a branch`);
  throw hfError(404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
}

/** Collects the operations of one commit, their file contents in `workDir`. */
export class CommitStaging {
  readonly operations: StagedOperation[] = [];
  /** Results that stay valid if the commit is rebuilt on another tip (blob ids, LFS conversions). */
  readonly memo = new Map<string, string | { oid: string; size: number }>();
  private files = 0;

  constructor(readonly workDir: string) {
    mkdirSync(workDir, { recursive: true });
  }

  /** A new file name in the work directory (not created). */
  nextFile(prefix = 'file'): string {
    return join(this.workDir, `${prefix}-${this.files++}`);
  }

  /** Stages one operation whose content is in memory (small ones: the caller has it parsed already). */
  async add(op: CommitOperation): Promise<void> {
    this.operations.push(await stageOperation(op, this.nextFile()));
  }

  /** Records an operation staged elsewhere (a worker wrote its content into the work directory). */
  addStaged(op: StagedOperation): void {
    this.operations.push(op);
  }

  /** A new file in the work directory holding `text`. */
  async textFile(text: string): Promise<string> {
    const tmp = this.nextFile('text');
    await writeFile(tmp, text, { flag: 'wx' });
    return tmp;
  }

  /** Removes the work directory. */
  dispose(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** Commits `staging`'s operations on `target` as `user`; resolves with the new commit id. */
export async function applyCommit(ctx: CommitContext, target: CommitTarget, header: CommitHeader, staging: CommitStaging, user: User): Promise<string> {
  const who = { name: user.name, email: `${user.name}@users.hub`, time: Math.floor(Date.now() / 1000) };
  for (let attempt = 1; ; attempt++) {
    const tip = target.tip;
    if (header.parentCommit !== undefined && !tip?.startsWith(header.parentCommit)) throw new HttpError(409, STALE_PARENT);
    const tree = await buildTree(ctx, tip, staging, attempt);
    const commit = await git.commitTree(ctx.dir, tree, tip, commitMessage(header), who);
    const complaint = await git.fsckNewObjects(ctx.dir, commit, staging.workDir);
    if (complaint !== undefined) throw hfError(422, 'BadRequest', `the commit would not pass git fsck: ${complaint}`);
    if (await git.updateBranch(ctx.dir, target.branch, commit, tip, `hub serve: commit API (${user.name})`)) return commit;
    if (header.parentCommit !== undefined) throw new HttpError(409, STALE_PARENT);
    if (attempt >= MAX_ATTEMPTS) throw new HttpError(409, `branch ${target.branch} kept moving while this commit was made; try again`);
    target = await commitTarget(ctx.dir, target.branch);
  }
}

type Fresh = Extract<StagedOperation, { key: 'file' | 'lfsFile' }>;

/**
 * The files of a tree by path, with every folder's files indexed too, so that deleting a
 * folder costs the files it holds, not the whole tree (6,000 `deletedFolder` operations on a
 * 20,000-file tree took 6 s when each scanned every path).
 */
class TreeFiles {
  readonly entries: Map<string, git.TreeEntry>;
  /** folder -> the paths below it (at any depth) */
  private readonly below = new Map<string, Set<string>>();

  private constructor(entries: Map<string, git.TreeEntry>) {
    this.entries = entries;
  }

  /** The index of `entries` (which it takes over), built in slices between other requests. */
  static async of(entries: Map<string, git.TreeEntry>, breather: Breather): Promise<TreeFiles> {
    const tree = new TreeFiles(entries);
    for (const path of entries.keys()) {
      await breather.breathe();
      tree.index(path);
    }
    return tree;
  }

  set(path: string, entry: git.TreeEntry): void {
    if (!this.entries.has(path)) this.index(path);
    this.entries.set(path, entry);
  }

  delete(path: string): boolean {
    if (!this.entries.delete(path)) return false;
    for (const folder of folders(path)) {
      const set = this.below.get(folder)!;
      set.delete(path);
      if (set.size === 0) this.below.delete(folder);
    }
    return true;
  }

  /** The paths below `folder`, at any depth. */
  under(folder: string): string[] {
    return [...(this.below.get(folder) ?? [])];
  }

  private index(path: string): void {
    for (const folder of folders(path)) {
      let set = this.below.get(folder);
      if (!set) this.below.set(folder, (set = new Set()));
      set.add(path);
    }
  }
}

/** The folders holding `path`: `a/b/c` -> `a`, `a/b`. */
function* folders(path: string): Generator<string> {
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) yield path.slice(0, i);
}

/** The tree of `tip` with the operations applied; its id. */
async function buildTree(ctx: CommitContext, tip: string | undefined, staging: CommitStaging, attempt: number): Promise<string> {
  const jobs = ctx.jobs ?? inlineJobs(ctx.store);
  const breather = new Breather();
  const tree = await TreeFiles.of(tip ? await git.listTree(ctx.dir, tip) : new Map(), breather);
  const fresh = new Map<string, Fresh>();
  for (const op of staging.operations) {
    await breather.breathe();
    if (op.key === 'file' || op.key === 'lfsFile') {
      tree.set(op.path, { mode: tree.entries.get(op.path)?.mode === '100755' ? '100755' : '100644', oid: '' }); // an executable stays one
      fresh.set(op.path, op);
    } else if (op.key === 'deletedFile') {
      if (!tree.delete(op.path)) throw hfError(404, 'EntryNotFound', `cannot delete ${op.path}: no such file on ${tip ? 'the branch' : 'an empty branch'}`);
      fresh.delete(op.path);
    } else {
      const under = tree.under(op.path);
      if (under.length === 0) throw hfError(404, 'EntryNotFound', `cannot delete folder ${op.path}: no such folder`);
      for (const p of under) {
        await breather.breathe();
        tree.delete(p);
        fresh.delete(p);
      }
    }
  }
  const entries = tree.entries;
  for (const path of entries.keys()) {
    await breather.breathe();
    for (const folder of folders(path)) if (entries.has(folder)) throw hfError(400, 'BadRequest', `cannot commit ${path}: ${folder} is a file`);
  }
  await checkLfsObjects(ctx, fresh, breather);

  // which new files are LFS by the new tree's attributes, and the `--filename` lines pointers need
  const files: AttributeFile[] = [];
  for (const [path, entry] of entries) {
    await breather.breathe();
    if (!isAttributesPath(path)) continue;
    const op = fresh.get(path);
    if (op) files.push(op.key === 'file' ? { base: attributesBase(path), file: op.tmp } : { base: attributesBase(path) });
    else if (entry.mode.startsWith('100')) files.push({ base: attributesBase(path), blob: entry.oid });
  }
  const candidates = [...fresh.values()].filter((op): op is Extract<Fresh, { key: 'file' }> => op.key === 'file' && !op.pointer && !isAttributesPath(op.path));
  const track = [...fresh.values()].filter((op) => op.key === 'lfsFile' || (op.pointer !== undefined && !isAttributesPath(op.path))).map((op) => op.path);
  const rootOut = join(staging.workDir, `gitattributes-${attempt}`);
  const plan = await jobs('lfsPlan', { dir: ctx.dir, files, paths: candidates.map((op) => op.path), track, rootOut });

  const blobs = new Map<string, string>(); // path -> file to write as its blob
  const lfs = new Set(candidates.filter((_, i) => plan.lfs[i] === 1).map((op) => op.path));
  for (const [path, op] of fresh) {
    await breather.breathe();
    let object = op.key === 'lfsFile' ? { oid: op.oid, size: op.size ?? (await ctx.meta.objectSize(ctx.repo.id, op.oid))! } : isAttributesPath(path) ? undefined : op.pointer;
    if (op.key === 'file' && lfs.has(path)) object = await storeAsLfs(ctx, jobs, staging, op.tmp);
    if (!object && op.key === 'file') {
      blobs.set(path, op.tmp);
      continue;
    }
    if (op.key === 'file' && op.pointer) blobs.set(path, op.tmp); // a pointer sent as a file is committed as sent
    else blobs.set(path, await memoText(staging, pointerFor(object!.oid, object!.size)));
  }
  if (plan.rootWritten) {
    entries.set('.gitattributes', { mode: '100644', oid: '' });
    blobs.set('.gitattributes', rootOut);
  }

  const paths = [...new Set(blobs.values())].filter((f) => !staging.memo.has(f));
  const ids = await git.writeBlobs(ctx.dir, paths);
  paths.forEach((f, i) => staging.memo.set(f, ids[i]));
  for (const [path, file] of blobs) entries.set(path, { mode: entries.get(path)!.mode, oid: staging.memo.get(file) as string });
  try {
    return await git.writeTree(ctx.dir, entries, join(staging.workDir, `index-${attempt}`));
  } catch (err) {
    // git refused a path the checks above let through: the request is at fault, not the server
    throw hfError(422, 'BadRequest', (err as Error).message);
  }
}

/**
 * 422 naming the paths whose pointers name objects the repository does not hold (or not at
 * that size), or whose content git-lfs and hub would read differently.
 */
async function checkLfsObjects(ctx: CommitContext, fresh: Map<string, Fresh>, breather: Breather): Promise<void> {
  const wrong: string[] = [];
  for (const [path, op] of fresh) {
    await breather.breathe();
    if (op.key === 'file' && op.ambiguous) {
      wrong.push(`${path} (${op.ambiguous})`);
      continue;
    }
    const wanted = op.key === 'lfsFile' ? op : op.pointer;
    if (!wanted) continue;
    const held = await ctx.meta.objectSize(ctx.repo.id, wanted.oid);
    if (held === undefined) wrong.push(`${path} (sha256:${wanted.oid}: not uploaded)`);
    else if (wanted.size !== undefined && wanted.size !== held) wrong.push(`${path} (sha256:${wanted.oid}: ${held} bytes, not ${wanted.size})`);
  }
  if (wrong.length === 0) return;
  const named = wrong.slice(0, MAX_NAMED).join(', ') + (wrong.length > MAX_NAMED ? ` and ${wrong.length - MAX_NAMED} more` : '');
  throw new HttpError(422, `Git LFS pointers that cannot be served: ${named}; upload objects through the LFS batch API first, and send pointers only as git lfs writes them`);
}

/** Puts the file into the content store (on a worker) and records the repository as holding it; its LFS oid and size. */
async function storeAsLfs(ctx: CommitContext, jobs: JobRunner, staging: CommitStaging, file: string): Promise<{ oid: string; size: number }> {
  const key = `lfs:${file}`;
  const known = staging.memo.get(key);
  if (typeof known === 'object') return known;
  const added = await jobs('addFile', { path: file });
  await holdObject(ctx.meta, ctx.repo.id, added.oid, added.size, !added.alreadyStored, added.ranges);
  const object = { oid: added.oid, size: added.size };
  staging.memo.set(key, object);
  return object;
}

async function memoText(staging: CommitStaging, text: string): Promise<string> {
  const key = `text:${text}`;
  const known = staging.memo.get(key);
  if (typeof known === 'string') return known;
  const file = await staging.textFile(text);
  staging.memo.set(key, file);
  return file;
}
