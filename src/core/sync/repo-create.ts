/** `hub repo create OWNER/NAME [--private] [--dataset]` against a running hub server. */
import { UsageError } from '../../errors.js';
import { requestJson } from '../../transfer/http-client.js';
import type { CoreContext } from '../context.js';
import { explainRejectedToken, resolveEndpoint, resolveToken } from './credentials.js';

/** The `--json` shape of `hub repo create`. */
export interface RepoCreateResult {
  id: string;
  type: 'model' | 'dataset';
  private: boolean;
  url: string;
}

/** Creates a repository on the server. */
export async function repoCreate(ctx: CoreContext, id: string, opts: { private?: boolean; dataset?: boolean; endpoint?: string; token?: string }): Promise<RepoCreateResult> {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(id);
  if (!m) throw new UsageError(`repository must be OWNER/NAME, not '${id}'`, {}, 'bad_repo_id');
  const base = resolveEndpoint(ctx, opts.endpoint);
  const used = resolveToken(ctx, base, opts.token);
  const { token } = used;
  return requestJson<RepoCreateResult>({
    method: 'POST',
    url: `${base}/api/repos/create`,
    token,
    body: { name: m[2], organization: m[1], type: opts.dataset ? 'dataset' : 'model', private: !!opts.private },
    what: `creating ${id}`,
    signal: ctx.signal,
  }).catch((err: unknown) => {
    throw explainRejectedToken(err, used, base);
  });
}
