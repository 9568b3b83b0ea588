/**
 * Refs and revisions: HEAD, branches, tags, and resolving what a user types (`main`, `v1`,
 * `HEAD~2`, a full or abbreviated commit id) to a commit. Ref writes are atomic and durable
 * (fs/atomic-file.ts), so a crash leaves the old or the new value, never a truncated ref.
 */
import fs from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isoGit } from './iso-git.js';
import { readRefFile } from './ref-files.js';
import { NotFoundError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';

/** What HEAD points at. */
export interface HeadState {
  /** Branch name when HEAD is symbolic (even if the branch has no commit yet). */
  branch?: string;
  /** Commit HEAD resolves to; undefined on an unborn branch. */
  oid?: string;
  detached: boolean;
}

/** Reads HEAD. */
export async function readHead(gitdir: string): Promise<HeadState> {
  const text = readFileSync(join(gitdir, 'HEAD'), 'utf8').trim();
  if (text.startsWith('ref: ')) {
    const ref = text.slice(5);
    const branch = ref.replace(/^refs\/heads\//, '');
    // the ref files first: most commands then never load isomorphic-git
    const fromFiles = readRefFile(gitdir, ref); // null: no such ref (an unborn branch)
    let oid = fromFiles ?? undefined;
    if (fromFiles === undefined) {
      try {
        oid = await (await isoGit()).resolveRef({ fs, gitdir, ref });
      } catch {
        oid = undefined;
      }
    }
    return { branch, oid, detached: false };
  }
  return { oid: text, detached: true };
}

/** Writes `content` to a file under gitdir (HEAD, a ref). The temporary name starts with a dot, which git skips in ref folders. */
function writeGitFile(path: string, content: string): void {
  writeFileAtomic(path, content);
}

/** Points `ref` (e.g. refs/heads/main) at `oid`. */
export function writeRef(gitdir: string, ref: string, oid: string): void {
  writeGitFile(join(gitdir, ref), `${oid}\n`);
}

/** Makes HEAD a symbolic ref to `branch`. */
export function setHeadToBranch(gitdir: string, branch: string): void {
  writeGitFile(join(gitdir, 'HEAD'), `ref: refs/heads/${branch}\n`);
}

/** Detaches HEAD at `oid`. */
export function setHeadDetached(gitdir: string, oid: string): void {
  writeGitFile(join(gitdir, 'HEAD'), `${oid}\n`);
}

/** Branch names, sorted. */
export async function listBranches(gitdir: string): Promise<string[]> {
  return (await (await isoGit()).listBranches({ fs, gitdir })).sort();
}

/** Tag names, sorted. */
export async function listTags(gitdir: string): Promise<string[]> {
  return (await (await isoGit()).listTags({ fs, gitdir })).sort();
}

/** True when the ref exists. */
export async function refExists(gitdir: string, ref: string): Promise<boolean> {
  try {
    await (await isoGit()).resolveRef({ fs, gitdir, ref });
    return true;
  } catch {
    return false;
  }
}

/** Deletes a ref (loose and packed). */
export async function deleteRef(gitdir: string, ref: string): Promise<void> {
  await (await isoGit()).deleteRef({ fs, gitdir, ref });
  fs.rmSync(join(gitdir, 'logs', ref), { force: true }); // its reflog goes with it, as in git
}

/** Validates a branch or tag name the way `git check-ref-format` would for common cases. */
export function checkRefName(name: string, kind: 'branch' | 'tag'): void {
  const bad =
    !name ||
    name.startsWith('-') ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    name.endsWith('.lock') ||
    name.endsWith('.') ||
    name.includes('..') ||
    name.includes('//') ||
    name.includes('@{') ||
    name === 'HEAD' ||
    /[\x00-\x20~^:?*[\\\x7f]/.test(name) ||
    name.split('/').some((p) => p.startsWith('.'));
  if (bad) throw new UsageError(`'${name}' is not a valid ${kind} name`, {}, 'bad_ref_name');
}

/** Peels a ref target (tag objects) to the commit it names. */
async function peelToCommit(gitdir: string, oid: string): Promise<string> {
  for (let depth = 0; depth < 10; depth++) {
    const { type, object } = await (await isoGit()).readObject({ fs, gitdir, oid, format: 'parsed' });
    if (type === 'commit') return oid;
    if (type === 'tag') oid = (object as { object: string }).object;
    else throw new UsageError(`${oid} is a ${type}, not a commit`, {}, 'not_a_commit');
  }
  throw new UsageError(`tag chain too deep at ${oid}`, {}, 'not_a_commit');
}

/** The files at the top of the git directory that name a commit, as git resolves them. */
const PSEUDO_REFS = new Set(['HEAD', 'ORIG_HEAD', 'MERGE_HEAD', 'REVERT_HEAD', 'FETCH_HEAD']);

/**
 * Resolves a revision to a commit id: HEAD (ORIG_HEAD, MERGE_HEAD, REVERT_HEAD, FETCH_HEAD), a branch, a tag, a remote-tracking branch
 * (`origin/main`; `origin` alone is the remote's HEAD), a full or abbreviated (>= 4 hex) commit
 * id, each optionally followed by `~N` or `^` suffixes (first parents).
 */
export async function resolveRevision(gitdir: string, rev: string): Promise<string> {
  const unknown = () => new NotFoundError(`unknown revision '${rev}'`, { data: { revision: rev } }, 'unknown_revision');
  const m = /^(.*?)((?:~\d*|\^1?)*)$/.exec(rev);
  const base = m?.[1] ?? rev;
  const suffix = m?.[2] ?? '';
  if (!base) throw unknown();
  let oid: string | undefined;
  for (const ref of [base, `refs/heads/${base}`, `refs/tags/${base}`, `refs/remotes/${base}`, `refs/remotes/${base}/HEAD`]) {
    if (!PSEUDO_REFS.has(ref) && ref === base && !base.startsWith('refs/') && !/^[0-9a-f]{40}$/.test(base)) continue;
    try {
      oid = await (await isoGit()).resolveRef({ fs, gitdir, ref });
      break;
    } catch {
      /* try the next form */
    }
  }
  if (!oid && /^[0-9a-f]{4,40}$/.test(base)) {
    try {
      oid = await (await isoGit()).expandOid({ fs, gitdir, oid: base });
    } catch {
      oid = undefined;
    }
  }
  if (!oid) throw unknown();
  try {
    oid = await peelToCommit(gitdir, oid);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw unknown();
  }
  for (const step of suffix.match(/~\d*|\^1?/g) ?? []) {
    const n = step.startsWith('~') ? (step.length > 1 ? Number(step.slice(1)) : 1) : 1;
    for (let i = 0; i < n; i++) {
      const { commit } = await (await isoGit()).readCommit({ fs, gitdir, oid });
      if (!commit.parent.length) throw unknown();
      oid = commit.parent[0];
    }
  }
  return oid;
}
