/** `hub branch [-d|-D] [NAME [START]]` and `hub tag [-d] [NAME [REV]]` (lightweight tags). */
import { ConflictError, NotFoundError } from '../../errors.js';
import { checkRefName, deleteRef, listBranches, listTags, readHead, refExists, resolveRevision, writeRef } from '../../repo/refs.js';
import type { CoreContext } from '../context.js';
import { logBranchMove } from './ref-log.js';
import { withRepo } from './repo-session.js';
import { isAncestor } from '../../repo/ancestry.js';

/** The `--json` shape of `hub branch` (list). */
export interface BranchList {
  current: string | null;
  branches: Array<{ name: string; commit: string; current: boolean }>;
}

/** Lists branches, creates one (at START or HEAD), or deletes one. */
export async function branch(ctx: CoreContext, opts: { name?: string; start?: string; delete?: boolean; force?: boolean }): Promise<BranchList | { created: string; commit: string } | { deleted: string; commit: string }> {
  const mutating = !!opts.name;
  return withRepo(ctx, { lock: mutating }, async (s) => {
    const { gitdir } = s.paths;
    const head = await readHead(gitdir);
    if (!opts.name) {
      const names = await listBranches(gitdir);
      const branches = [];
      for (const name of names) branches.push({ name, commit: await resolveRevision(gitdir, `refs/heads/${name}`), current: name === head.branch && !head.detached });
      return { current: head.detached ? null : head.branch ?? null, branches };
    }
    const name = opts.name;
    if (opts.delete) {
      if (!(await refExists(gitdir, `refs/heads/${name}`))) throw new NotFoundError(`no branch named '${name}'`, {}, 'unknown_branch');
      if (name === head.branch && !head.detached) throw new ConflictError(`cannot delete the branch '${name}' you are on`, {}, 'current_branch');
      const commit = await resolveRevision(gitdir, `refs/heads/${name}`);
      if (!opts.force && head.oid && !(await isAncestor(gitdir, commit, head.oid))) {
        throw new ConflictError(`the branch '${name}' is not merged into HEAD`, { hint: `use 'hub branch -D ${name}' to delete it anyway` }, 'not_merged');
      }
      await deleteRef(gitdir, `refs/heads/${name}`);
      return { deleted: name, commit };
    }
    checkRefName(name, 'branch');
    if (await refExists(gitdir, `refs/heads/${name}`)) throw new ConflictError(`a branch named '${name}' already exists`, {}, 'branch_exists');
    const commit = opts.start ? await resolveRevision(gitdir, opts.start) : head.oid;
    if (!commit) throw new NotFoundError('cannot create a branch before the first commit', {}, 'no_commits');
    writeRef(gitdir, `refs/heads/${name}`, commit);
    await logBranchMove(s, name, { from: undefined, to: commit, message: `branch: Created from ${opts.start ?? (head.detached ? undefined : head.branch) ?? 'HEAD'}` }); // git names HEAD's branch here (switch -c says HEAD)
    return { created: name, commit };
  });
}

/** The `--json` shape of `hub tag` (list). */
export interface TagList {
  tags: Array<{ name: string; commit: string }>;
}

/** Lists tags, creates a lightweight tag at REV (default HEAD), or deletes one. */
export async function tag(ctx: CoreContext, opts: { name?: string; rev?: string; delete?: boolean }): Promise<TagList | { created: string; commit: string } | { deleted: string; commit: string }> {
  return withRepo(ctx, { lock: !!opts.name }, async (s) => {
    const { gitdir } = s.paths;
    if (!opts.name) {
      const tags = [];
      for (const name of await listTags(gitdir)) tags.push({ name, commit: await resolveRevision(gitdir, `refs/tags/${name}`) });
      return { tags };
    }
    const name = opts.name;
    if (opts.delete) {
      if (!(await refExists(gitdir, `refs/tags/${name}`))) throw new NotFoundError(`no tag named '${name}'`, {}, 'unknown_tag');
      const commit = await resolveRevision(gitdir, `refs/tags/${name}`);
      await deleteRef(gitdir, `refs/tags/${name}`);
      return { deleted: name, commit };
    }
    checkRefName(name, 'tag');
    if (await refExists(gitdir, `refs/tags/${name}`)) throw new ConflictError(`a tag named '${name}' already exists`, {}, 'tag_exists');
    const commit = await resolveRevision(gitdir, opts.rev ?? 'HEAD');
    writeRef(gitdir, `refs/tags/${name}`, commit);
    return { created: name, commit };
  });
}

