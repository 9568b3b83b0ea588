/** `hub remote [list] | add NAME URL | remove NAME`. */
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { addRemote, listRemotes, removeRemote, type Remote } from '../../repo/remotes.js';
import type { CoreContext } from '../context.js';
import { resolveEndpoint } from './credentials.js';
import { withRepo } from '../worktree/repo-session.js';

/** The `--json` shape of `hub remote`. */
export interface RemoteResult {
  remotes: Remote[];
  added?: string;
  removed?: string;
}

/** A remote URL: http(s), or OWNER/NAME (and datasets/OWNER/NAME) resolved against HUB_ENDPOINT. */
export function remoteUrl(ctx: CoreContext, spec: string): string {
  if (/^https?:\/\//.test(spec)) {
    try {
      return new URL(spec).toString().replace(/\/$/, '');
    } catch {
      throw new UsageError(`not a URL: ${spec}`, {}, 'bad_url');
    }
  }
  if (/^(datasets\/)?[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec)) return `${resolveEndpoint(ctx, undefined)}/${spec}`;
  throw new UsageError(`a remote must be an http(s) URL or OWNER/NAME, not '${spec}'`, {}, 'bad_url');
}

/** A repository reference as `hf` users write it, resolved. */
export interface RepoReference {
  url: string;
  /** The revision after `@` in `OWNER/NAME@REV`, if any. */
  revision?: string;
}

/**
 * `OWNER/NAME`, `datasets/OWNER/NAME`, `OWNER/NAME@REV` (HF-style, against HUB_ENDPOINT) or an
 * http(s) URL (optionally `@REV` too); `repoType` is `--repo-type` (`model` or `dataset`) for a
 * bare OWNER/NAME.
 */
export function repoReference(ctx: CoreContext, spec: string, repoType?: string): RepoReference {
  if (repoType !== undefined && repoType !== 'model' && repoType !== 'dataset') {
    throw new UsageError(`--repo-type must be model or dataset, not '${repoType}'`, {}, 'bad_repo_type');
  }
  let revision: string | undefined;
  const at = /^(https?:\/\/[^/]+\/[^@]+|[^@:/][^@:]*)@([^@\s]+)$/.exec(spec);
  if (at) {
    spec = at[1];
    revision = at[2];
  }
  const bare = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec);
  if (bare && repoType === 'dataset') spec = `datasets/${spec}`;
  if (!bare && repoType === 'dataset' && !/(^|\/)datasets\//.test(spec)) throw new UsageError(`--repo-type dataset names a dataset, but '${spec}' is a model URL`, {}, 'bad_repo_type');
  return { url: remoteUrl(ctx, spec), ...(revision ? { revision } : {}) };
}

/** Lists, adds or removes remotes. */
export async function remote(ctx: CoreContext, op: { add?: { name: string; url: string }; remove?: string }): Promise<RemoteResult> {
  return withRepo(ctx, { lock: !!(op.add || op.remove) }, async (s) => {
    const { gitdir } = s.paths;
    if (op.add) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(op.add.name)) throw new UsageError(`'${op.add.name}' is not a valid remote name`, {}, 'bad_remote_name');
      const url = remoteUrl(ctx, op.add.url);
      if (!(await addRemote(gitdir, op.add.name, url))) throw new ConflictError(`remote ${op.add.name} already exists`, {}, 'remote_exists');
      return { remotes: await listRemotes(gitdir), added: op.add.name };
    }
    if (op.remove) {
      if (!(await removeRemote(gitdir, op.remove))) throw new NotFoundError(`no remote named '${op.remove}'`, {}, 'unknown_remote');
      return { remotes: await listRemotes(gitdir), removed: op.remove };
    }
    return { remotes: await listRemotes(gitdir) };
  });
}
