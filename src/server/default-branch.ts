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
import { access, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch } from './launcher.js';

/** A ref update of a push (git's pre-receive input). */
export interface BranchUpdate {
  newId: string;
  ref: string;
}

const ZERO_ID = /^0+$/;

// Asynchronous throughout: this runs inside `hub serve` (hook-channel.ts), where packed-refs and
// git's answer grow with the repository's refs.

/** The branch HEAD names (`refs/heads/...`), or undefined when HEAD is detached or unreadable. */
async function headTarget(gitDir: string): Promise<string | undefined> {
  try {
    return /^ref: (refs\/heads\/\S+)\s*$/.exec(await readFile(join(gitDir, 'HEAD'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Whether the repository has `ref` (a loose ref file or a packed-refs line). */
async function hasRef(gitDir: string, ref: string): Promise<boolean> {
  try {
    await access(join(gitDir, ref));
    return true;
  } catch {
    // not loose: packed, or not there
  }
  try {
    return (await readFile(join(gitDir, 'packed-refs'), 'utf8')).split('\n').some((line) => line.endsWith(` ${ref}`));
  } catch {
    return false;
  }
}

/** The repository's branches (`git for-each-ref`), or undefined when git fails. */
async function branches(gitDir: string): Promise<string[] | undefined> {
  const child = await launch('git', ['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd: gitDir });
  child.stdin.end();
  child.stderr.resume();
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (part: string) => (out += part));
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (c) => resolve(c));
  });
  return code === 0 ? out.split('\n').filter((r) => r !== '') : undefined;
}

/** The branch HEAD should name after `updates` apply, when the one it names will not exist; undefined when HEAD is fine. */
export async function defaultBranchAfter(gitDir: string, updates: readonly BranchUpdate[]): Promise<string | undefined> {
  const head = await headTarget(gitDir);
  if (head === undefined) return undefined;
  const deleted = new Set(updates.filter((u) => ZERO_ID.test(u.newId)).map((u) => u.ref));
  const brought = updates.filter((u) => u.ref.startsWith('refs/heads/') && !ZERO_ID.test(u.newId)).map((u) => u.ref);
  if (brought.includes(head) || (!deleted.has(head) && (await hasRef(gitDir, head)))) return undefined;
  if (brought.includes('refs/heads/main')) return 'refs/heads/main';
  if (brought.length > 0) return brought[0];
  return (await branches(gitDir))?.find((r) => !deleted.has(r));
}

/** Points HEAD at `branch` as git does (HEAD.lock written, then renamed over HEAD); false when another writer holds the lock. */
export async function setHead(gitDir: string, branch: string): Promise<boolean> {
  const lock = join(gitDir, 'HEAD.lock');
  try {
    await writeFile(lock, `ref: ${branch}\n`, { flag: 'wx' });
  } catch {
    return false;
  }
  try {
    await rename(lock, join(gitDir, 'HEAD'));
    return true;
  } catch (err) {
    await unlink(lock);
    throw err;
  }
}
