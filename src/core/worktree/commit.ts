/** `hub commit -m MSG [--author 'Name <email>']`: record the index as a new commit on HEAD. */
import { HubError, ExitCode, UsageError } from '../../errors.js';
import { writeCommit, writeTreeFromFiles, type TreeFile } from '../../repo/object-store.js';
import { clearMergeState, readMergeHeads, readMergeMessage } from '../../repo/merge-state.js';
import { readHead, setHeadDetached, writeRef } from '../../repo/refs.js';
import { countTreeChanges } from '../../repo/tree-changes.js';
import type { CoreContext } from '../context.js';
import { recordIndexTree, treeOf } from './head-tree.js';
import { commitIdentities } from './identity.js';
import { logHeadMove } from './ref-log.js';
import { refuseUnmerged, withRepo } from './repo-session.js';

/** The `--json` shape of `hub commit`. */
export interface CommitResult {
  commit: string;
  tree: string;
  branch: string | null;
  parents: string[];
  message: string;
  files: { added: number; modified: number; deleted: number };
}

/** Commits what is staged. */
export async function commit(ctx: CoreContext, opts: { message?: string; author?: string; now?: Date }): Promise<CommitResult> {
  if (opts.message !== undefined && !opts.message.trim()) throw new UsageError('empty commit message', { hint: "use -m 'message'" }, 'empty_message');
  return withRepo(ctx, { lock: true, store: false }, async (s) => {
    refuseUnmerged(s.index, 'commit');
    // concluding a merge without -m takes MERGE_MSG, as `git commit --no-edit` does
    const given = opts.message ?? readMergeMessage(s.paths.gitdir);
    if (!given || !given.trim()) throw new UsageError('empty commit message', { hint: "use -m 'message'" }, 'empty_message');
    const head = await readHead(s.paths.gitdir);
    const files: TreeFile[] = [];
    for (const e of s.index.values()) files.push({ path: e.path, mode: e.mode, oid: e.oid });
    const tree = writeTreeFromFiles(s.paths.gitdir, files);
    const parentTree = await treeOf(s.paths, head.oid);
    // a merge git stopped for conflicts: its commits become further parents (as `git commit` does)
    const merging = head.oid ? readMergeHeads(s.paths.gitdir) : [];
    if ((tree === parentTree && merging.length === 0) || (!head.oid && files.length === 0)) {
      throw new HubError('nothing_to_commit', 'nothing to commit, working tree matches HEAD', ExitCode.error, { hint: "stage changes with 'hub add'" });
    }
    const counts = await countTreeChanges(s.paths.gitdir, parentTree, tree); // reads only the subtrees that changed
    const { author, committer } = await commitIdentities(s.paths, ctx.env, opts.author, opts.now ?? new Date());
    const message = `${given.replace(/\s+$/, '')}\n`;
    const parents = head.oid ? [head.oid, ...merging] : [];
    const oid = writeCommit(s.paths.gitdir, { tree, parents, author, committer, message });
    if (head.branch) writeRef(s.paths.gitdir, `refs/heads/${head.branch}`, oid);
    else setHeadDetached(s.paths.gitdir, oid);
    const kind = !head.oid ? ' (initial)' : merging.length ? ' (merge)' : '';
    await logHeadMove(s, head.branch, { from: head.oid, to: oid, message: `commit${kind}: ${message.split('\n')[0]}` }, committer);
    clearMergeState(s.paths.gitdir); // a merge or revert this commit concludes (MERGE_HEAD, REVERT_HEAD, MERGE_MSG)
    recordIndexTree(s.paths, tree);
    return { commit: oid, tree, branch: head.branch ?? null, parents, message: message.trimEnd(), files: counts };
  });
}

