/**
 * The reflogs git keeps, written as git writes them: HEAD's (`.git/logs/HEAD`) for every move of
 * HEAD, and a branch's (`.git/logs/refs/heads/B`) for every change of its value, with git's
 * messages ("commit: subject", "reset: moving to REV", "checkout: moving from A to B",
 * "merge X: Fast-forward", ...), so `git reflog` and `HEAD@{1}` work on what hub did. A reflog is
 * a record, not a ref: failing to find an identity for it never fails the command (git falls
 * back to the user and host names the same way).
 */
import { hostname, userInfo } from 'node:os';
import type { GitIdentity } from '../../formats/git-object.js';
import { appendReflogLine } from '../../repo/reflog.js';
import { getConfig } from '../../repo/repository.js';
import { commitIdentities } from './identity.js';
import type { RepoSession } from './repo-session.js';

/** What writing a reflog needs of a repository session. */
export type ReflogTarget = Pick<RepoSession, 'paths' | 'ctx'>;

/** One move of a ref: from (undefined: it did not exist) to, and git's message. */
export interface RefMove {
  from: string | undefined;
  to: string;
  message: string;
}

/**
 * Records a move of HEAD, and of `branch` when HEAD is on it and it moved with HEAD: HEAD's log
 * always (git logs "reset: moving to HEAD" too), the branch's only when its value changed.
 */
export async function logHeadMove(s: ReflogTarget, branch: string | null | undefined, move: RefMove, who?: GitIdentity): Promise<void> {
  if (!(await keepsReflogs(s))) return;
  const id = who ?? (await reflogIdentity(s));
  appendReflogLine(s.paths.gitdir, 'HEAD', move.from, move.to, id, move.message);
  if (branch && move.from !== move.to) appendReflogLine(s.paths.gitdir, `refs/heads/${branch}`, move.from, move.to, id, move.message);
}

/** Records a branch's own move (its creation: "branch: Created from HEAD"). */
export async function logBranchMove(s: ReflogTarget, branch: string, move: RefMove): Promise<void> {
  if (!(await keepsReflogs(s))) return;
  appendReflogLine(s.paths.gitdir, `refs/heads/${branch}`, move.from, move.to, await reflogIdentity(s), move.message);
}

/** git's `core.logAllRefUpdates`: on unless set to false (a bare repository's default is off; hub's repositories have a working tree). */
async function keepsReflogs(s: ReflogTarget): Promise<boolean> {
  const v = await getConfig(s.paths, 'core.logAllRefUpdates');
  return !(v === false || v === 'false');
}

/** The committer git would write now, or the user and host names when none is configured. */
async function reflogIdentity(s: ReflogTarget): Promise<GitIdentity> {
  const now = new Date();
  try {
    return (await commitIdentities(s.paths, s.ctx.env, undefined, now)).committer;
  } catch {
    const user = userInfo().username;
    return { name: user, email: `${user}@${hostname()}`, timestamp: Math.floor(now.getTime() / 1000), timezoneOffset: -now.getTimezoneOffset() };
  }
}
