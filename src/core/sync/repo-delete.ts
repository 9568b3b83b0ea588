/** `hub repo delete OWNER/NAME [--dataset]` against a running hub server. */
import { UsageError } from '../../errors.js';
import { requestJson } from '../../transfer/http-client.js';
import type { CoreContext } from '../context.js';
import { explainRejectedToken, resolveEndpoint, resolveToken } from './credentials.js';

/** The `--json` shape of `hub repo delete`. */
export interface RepoDeleteResult {
  id: string;
  type: 'model' | 'dataset';
  deleted: true;
}

/** Deletes a repository on the server (its owner or an admin, with a write token). */
export async function repoDelete(ctx: CoreContext, id: string, opts: { dataset?: boolean; endpoint?: string; token?: string }): Promise<RepoDeleteResult> {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(id);
  if (!m) throw new UsageError(`repository must be OWNER/NAME, not '${id}'`, {}, 'bad_repo_id');
  const base = resolveEndpoint(ctx, opts.endpoint);
  const used = resolveToken(ctx, base, opts.token);
  const { token } = used;
  return requestJson<RepoDeleteResult>({
    method: 'DELETE',
    url: `${base}/api/repos/delete`,
    token,
    body: { name: m[2], organization: m[1], type: opts.dataset ? 'dataset' : 'model' },
    what: `deleting ${id}`,
  }).catch((err: unknown) => {
    throw explainRejectedToken(err, used, base);
  });
}
