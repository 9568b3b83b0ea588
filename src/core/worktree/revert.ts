/**
 * `hub revert REV`: a new commit on HEAD that undoes REV, made as git makes it: a three-way merge
 * of HEAD and REV's parent against REV (core/merge.ts), with git's message
 * `Revert "<subject>"` / `This reverts commit <id>.` Conflicts are recorded as a merge's are,
 * with REVERT_HEAD instead of MERGE_HEAD (exit 7); `hub commit` concludes. A merge commit names
 * no single change to undo: it is refused, as git refuses it without `-m`.
 */
import { UsageError } from '../../errors.js';
import { readCommit } from '../../repo/object-store.js';
import { readHead, resolveRevision } from '../../repo/refs.js';
import type { CoreContext } from '../context.js';
import { threeWayCommit } from './merge.js';
import { refuseUnmerged, withRepo } from './repo-session.js';
import { NotFoundError } from '../../errors.js';

/** The `--json` shape of `hub revert`. */
export interface RevertResult {
  reverted: string;
  commit: string;
  message: string;
}

/** Reverts `rev` on top of HEAD. */
export async function revert(ctx: CoreContext, rev: string): Promise<RevertResult> {
  return withRepo(ctx, { lock: true }, async (s) => {
    refuseUnmerged(s.index, 'revert');
    const { gitdir } = s.paths;
    const head = await readHead(gitdir);
    if (!head.oid) throw new NotFoundError('nothing to revert: no commits yet', {}, 'no_commits');
    const target = await resolveRevision(gitdir, rev);
    const c = await readCommit(gitdir, target);
    if (c.parents.length > 1) throw new UsageError(`${target.slice(0, 7)} is a merge commit: hub cannot tell which side to undo`, { hint: 'hub repositories are git repositories: run git revert -m 1 REV' }, 'usage');
    if (!c.parents.length) throw new UsageError(`${target.slice(0, 7)} is the first commit: reverting it would empty the tree`, { hint: "'hub rm' the files and commit instead" }, 'usage');
    const subject = c.message.split('\n')[0];
    const message = `Revert "${subject}"\n\nThis reverts commit ${target}.`;
    const short = target.slice(0, 7);
    const r = await threeWayCommit(s, {
      head: head.oid,
      branch: head.branch,
      base: target,
      theirs: c.parents[0],
      labels: { ours: 'HEAD', base: `${short} (${subject})`, theirs: `parent of ${short} (${subject})` },
      message,
      parents: [head.oid],
      state: 'REVERT_HEAD',
      stateCommit: target,
      what: `revert of ${short}`,
      reflog: `revert: Revert "${subject}"`,
    });
    return { reverted: target, commit: r.commit, message };
  });
}
