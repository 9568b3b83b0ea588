/**
 * Keeps a bare repository's HEAD on a branch the repository has. A repository is created with
 * HEAD at `main`; when the first push brings only other branches (or a push deletes the branch
 * HEAD names), HEAD would name a branch that does not exist, and clients cannot tell which branch
 * is the default: git clones such a repository without checking anything out, and isomorphic-git
 * (inside hub) cannot fetch from it at all. Like the big git hosts, the server then makes the
 * pushed branch the default: `main` when the push brings it, else the first branch it brings,
 * else (a deletion) the first branch left. Run from the pre-receive hook once the push is
 * accepted, so the HEAD a client sees after its push already names a branch of it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A ref update of a push (git's pre-receive input). */
export interface BranchUpdate {
  newId: string;
  ref: string;
}

const ZERO_ID = /^0+$/;

/** The branch HEAD names (`refs/heads/...`), or undefined when HEAD is detached or unreadable. */
function headTarget(gitDir: string): string | undefined {
  try {
    return /^ref: (refs\/heads\/\S+)\s*$/.exec(readFileSync(join(gitDir, 'HEAD'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Whether the repository has `ref` (a loose ref file or a packed-refs line). */
function hasRef(gitDir: string, ref: string): boolean {
  if (existsSync(join(gitDir, ref))) return true;
  try {
    return readFileSync(join(gitDir, 'packed-refs'), 'utf8').split('\n').some((line) => line.endsWith(` ${ref}`));
  } catch {
    return false;
  }
}

/** The branch HEAD should name after `updates` apply, when the one it names will not exist; undefined when HEAD is fine. */
export function defaultBranchAfter(gitDir: string, updates: readonly BranchUpdate[]): string | undefined {
  const head = headTarget(gitDir);
  if (head === undefined) return undefined;
  const deleted = new Set(updates.filter((u) => ZERO_ID.test(u.newId)).map((u) => u.ref));
  const brought = updates.filter((u) => u.ref.startsWith('refs/heads/') && !ZERO_ID.test(u.newId)).map((u) => u.ref);
  if (brought.includes(head) || (!deleted.has(head) && hasRef(gitDir, head))) return undefined;
  if (brought.includes('refs/heads/main')) return 'refs/heads/main';
  if (brought.length > 0) return brought[0];
  const left = spawnSync('git', ['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd: gitDir, encoding: 'utf8' });
  return left.status === 0 ? left.stdout.split('\n').find((r) => r !== '' && !deleted.has(r)) : undefined;
}

/** Points HEAD at `branch` as git does (HEAD.lock written, then renamed over HEAD); false when another writer holds the lock. */
export function setHead(gitDir: string, branch: string): boolean {
  const lock = join(gitDir, 'HEAD.lock');
  try {
    writeFileSync(lock, `ref: ${branch}\n`, { flag: 'wx' });
  } catch {
    return false;
  }
  try {
    renameSync(lock, join(gitDir, 'HEAD'));
    return true;
  } catch (err) {
    unlinkSync(lock);
    throw err;
  }
}
