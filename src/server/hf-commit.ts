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
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addTrackedFilename, AttributeMatcher, parseGitattributes, type AttributeSource } from '../formats/gitattributes.js';
import { looksLikePointer, parsePointer, pointerFor } from '../formats/lfs-pointer.js';
import { addFile } from '../store/ingest.js';
import type { Store } from '../store/store.js';
import * as git from './git-write.js';
import { hfError } from './hf-access.js';
import { holdObject } from './hold-object.js';
import { commitMessage, type CommitHeader, type CommitOperation } from './hf-commit-payload.js';
import { HttpError } from './http-util.js';
import type { Metadata, RepoRecord, User } from './metadata.js';

/** An operation whose file content already waits on disk in the commit's work directory. */
export type StagedOperation =
  | { key: 'file'; path: string; tmp: string; size: number; pointer?: { oid: string; size: number } }
  | Exclude<CommitOperation, { key: 'file' }>;

/** The branch a commit goes to and its tip (none: the first commit of an empty repository). */
export interface CommitTarget {
  branch: string;
  tip?: string;
}

/** What applying a commit needs. */
export interface CommitContext {
  dir: string;
  repo: RepoRecord;
  meta: Metadata;
  store: Store;
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

/** Collects the operations of one commit, writing file contents to `workDir` as they arrive. */
export class CommitStaging {
  readonly operations: StagedOperation[] = [];
  /** Results that stay valid if the commit is rebuilt on another tip (blob ids, LFS conversions). */
  readonly memo = new Map<string, string | { oid: string; size: number }>();
  private files = 0;

  constructor(readonly workDir: string) {
    mkdirSync(workDir, { recursive: true });
  }

  /** Stages one operation (its content leaves memory). */
  async add(op: CommitOperation): Promise<void> {
    if (op.key !== 'file') {
      this.operations.push(op);
      return;
    }
    const tmp = join(this.workDir, `file-${this.files++}`);
    await writeFile(tmp, op.content, { flag: 'wx' });
    this.operations.push({ key: 'file', path: op.path, tmp, size: op.content.length, pointer: pointerIn(op.content) });
  }

  /** A new file in the work directory holding `text`. */
  async textFile(text: string): Promise<string> {
    const tmp = join(this.workDir, `text-${this.files++}`);
    await writeFile(tmp, text, { flag: 'wx' });
    return tmp;
  }

  /** Removes the work directory. */
  dispose(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

function pointerIn(content: Buffer): { oid: string; size: number } | undefined {
  if (!looksLikePointer(content)) return undefined;
  try {
    const { oid, size } = parsePointer(content);
    return { oid, size };
  } catch {
    return undefined; // starts like a pointer but is not one: an ordinary small file
  }
}

/** Commits `staging`'s operations on `target` as `user`; resolves with the new commit id. */
export async function applyCommit(ctx: CommitContext, target: CommitTarget, header: CommitHeader, staging: CommitStaging, user: User): Promise<string> {
  const who = { name: user.name, email: `${user.name}@users.hub`, time: Math.floor(Date.now() / 1000) };
  for (let attempt = 1; ; attempt++) {
    const tip = target.tip;
    if (header.parentCommit !== undefined && !tip?.startsWith(header.parentCommit)) throw new HttpError(409, STALE_PARENT);
    const tree = await buildTree(ctx, tip, staging, join(staging.workDir, `index-${attempt}`));
    const commit = await git.commitTree(ctx.dir, tree, tip, commitMessage(header), who);
    if (await git.updateBranch(ctx.dir, target.branch, commit, tip, `hub serve: commit API (${user.name})`)) return commit;
    if (header.parentCommit !== undefined) throw new HttpError(409, STALE_PARENT);
    if (attempt >= MAX_ATTEMPTS) throw new HttpError(409, `branch ${target.branch} kept moving while this commit was made; try again`);
    target = await commitTarget(ctx.dir, target.branch);
  }
}

type Fresh = Extract<StagedOperation, { key: 'file' | 'lfsFile' }>;

/** The tree of `tip` with the operations applied; its id. */
async function buildTree(ctx: CommitContext, tip: string | undefined, staging: CommitStaging, indexFile: string): Promise<string> {
  const entries = tip ? await git.listTree(ctx.dir, tip) : new Map<string, git.TreeEntry>();
  const fresh = new Map<string, Fresh>();
  for (const op of staging.operations) {
    if (op.key === 'file' || op.key === 'lfsFile') {
      entries.set(op.path, { mode: entries.get(op.path)?.mode === '100755' ? '100755' : '100644', oid: '' }); // an executable stays one
      fresh.set(op.path, op);
    } else if (op.key === 'deletedFile') {
      if (!entries.delete(op.path)) throw hfError(404, 'EntryNotFound', `cannot delete ${op.path}: no such file on ${tip ? 'the branch' : 'an empty branch'}`);
      fresh.delete(op.path);
    } else {
      const under = [...entries.keys()].filter((p) => p.startsWith(`${op.path}/`));
      if (under.length === 0) throw hfError(404, 'EntryNotFound', `cannot delete folder ${op.path}: no such folder`);
      for (const p of under) {
        entries.delete(p);
        fresh.delete(p);
      }
    }
  }
  for (const path of entries.keys()) {
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      if (entries.has(path.slice(0, i))) throw hfError(400, 'BadRequest', `cannot commit ${path}: ${path.slice(0, i)} is a file`);
    }
  }
  checkLfsObjects(ctx, fresh);

  const attributes = await attributesOf(ctx, entries, fresh);
  const blobs = new Map<string, string>(); // path -> file to write as its blob
  const pointers: string[] = []; // paths whose new content is an LFS pointer
  for (const [path, op] of fresh) {
    const isAttributes = path === '.gitattributes' || path.endsWith('/.gitattributes');
    let object = op.key === 'lfsFile' ? { oid: op.oid, size: op.size ?? ctx.meta.objectSize(ctx.repo.id, op.oid)! } : isAttributes ? undefined : op.pointer;
    if (op.key === 'file' && !object && !isAttributes && attributes.isLfs(path)) object = await storeAsLfs(ctx, staging, op.tmp);
    if (!object && op.key === 'file') {
      blobs.set(path, op.tmp);
      continue;
    }
    pointers.push(path);
    if (op.key === 'file' && op.pointer) blobs.set(path, op.tmp); // a pointer sent as a file is committed as sent
    else blobs.set(path, await memoText(staging, pointerFor(object!.oid, object!.size)));
  }
  const untracked = pointers.filter((p) => !attributes.isLfs(p));
  if (untracked.length > 0) {
    let text = await textOf(ctx, entries, fresh, '.gitattributes');
    for (const path of untracked) text = addTrackedFilename(text, path).text;
    entries.set('.gitattributes', { mode: '100644', oid: '' });
    blobs.set('.gitattributes', await staging.textFile(text));
  }

  const files = [...new Set(blobs.values())].filter((f) => !staging.memo.has(f));
  const ids = await git.writeBlobs(ctx.dir, files);
  files.forEach((f, i) => staging.memo.set(f, ids[i]));
  for (const [path, file] of blobs) entries.set(path, { mode: entries.get(path)!.mode, oid: staging.memo.get(file) as string });
  return git.writeTree(ctx.dir, entries, indexFile);
}

/** 422 naming the paths whose pointers name objects the repository does not hold (or not at that size). */
function checkLfsObjects(ctx: CommitContext, fresh: Map<string, Fresh>): void {
  const wrong: string[] = [];
  for (const [path, op] of fresh) {
    const wanted = op.key === 'lfsFile' ? op : op.pointer;
    if (!wanted) continue;
    const held = ctx.meta.objectSize(ctx.repo.id, wanted.oid);
    if (held === undefined) wrong.push(`${path} (sha256:${wanted.oid}: not uploaded)`);
    else if (wanted.size !== undefined && wanted.size !== held) wrong.push(`${path} (sha256:${wanted.oid}: ${held} bytes, not ${wanted.size})`);
  }
  if (wrong.length === 0) return;
  const named = wrong.slice(0, MAX_NAMED).join(', ') + (wrong.length > MAX_NAMED ? ` and ${wrong.length - MAX_NAMED} more` : '');
  throw new HttpError(422, `Git LFS objects missing on the server for ${named}; upload them through the LFS batch API first`);
}

/** The attributes of the new tree: every `.gitattributes` in it, new content where the commit writes one. */
async function attributesOf(ctx: CommitContext, entries: Map<string, git.TreeEntry>, fresh: Map<string, Fresh>): Promise<AttributeMatcher> {
  const sources: AttributeSource[] = [];
  for (const path of entries.keys()) {
    if (path !== '.gitattributes' && !path.endsWith('/.gitattributes')) continue;
    const base = path.slice(0, Math.max(0, path.length - '/.gitattributes'.length));
    sources.push({ base, rules: parseGitattributes(await textOf(ctx, entries, fresh, path)) });
  }
  return new AttributeMatcher(sources);
}

/** The text the new tree will hold at `path` ('' when none, or not a regular file). */
async function textOf(ctx: CommitContext, entries: Map<string, git.TreeEntry>, fresh: Map<string, Fresh>, path: string): Promise<string> {
  const op = fresh.get(path);
  if (op) return op.key === 'file' ? readFileSync(op.tmp, 'utf8') : '';
  const entry = entries.get(path);
  if (!entry || !entry.mode.startsWith('100')) return '';
  return (await git.readBlob(ctx.dir, entry.oid)).toString('utf8');
}

/** Puts the file into the content store and records the repository as holding it; its LFS oid and size. */
async function storeAsLfs(ctx: CommitContext, staging: CommitStaging, file: string): Promise<{ oid: string; size: number }> {
  const key = `lfs:${file}`;
  const known = staging.memo.get(key);
  if (typeof known === 'object') return known;
  const added = await addFile(ctx.store, file);
  holdObject(ctx.store, ctx.meta, ctx.repo.id, added.oid, added.size, !added.alreadyStored);
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
