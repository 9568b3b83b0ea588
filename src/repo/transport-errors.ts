/**
 * What isomorphic-git throws while it talks to a remote, as the HubError a user should see. The
 * http plugin (transfer/git-http-plugin.ts) already turns statuses and non-git answers into
 * HubErrors, which pass through unchanged; this catches what only isomorphic-git notices (a
 * malformed git answer, a push that is not a fast-forward, a URL it cannot use).
 */
import fs from 'node:fs';
import git from 'isomorphic-git';
import { ConflictError, HubError, ProtocolError, UsageError } from '../errors.js';

/** The error isomorphic-git threw, as far as its class is concerned. */
interface GitError {
  code?: string;
  message?: string;
  data?: Record<string, unknown>;
}

/** The HubError for `err`, thrown by isomorphic-git while talking to `remote` (a URL); anything else is returned unchanged. */
export function transportError(err: unknown, remote: string): unknown {
  if (err instanceof HubError) return err;
  const e = (err ?? {}) as GitError;
  switch (e.code) {
    case 'SmartHttpError':
    case 'ParseError':
    case 'EmptyServerResponseError':
    case 'HttpError':
      return new ProtocolError(`${remote} did not answer as a git smart HTTP server does: ${firstLine(e.message)}`, { cause: err, data: { url: remote } });
    case 'NotFoundError':
      // isomorphic-git needs the remote's HEAD to name a branch it has, even to fetch others
      if (e.data?.what !== 'HEAD') return err;
      return new ProtocolError(`${remote} has no default branch: its HEAD names a branch it does not have`, {
        cause: err,
        hint: 'push that branch (main) to it, or point its HEAD at a branch it has (hub serve does so itself after every push)',
        data: { url: remote },
      });
    case 'UrlParseError':
    case 'UnknownTransportError':
      return new UsageError(`cannot fetch from '${remote}': hub speaks git over http:// and https:// only`, { cause: err, data: { url: remote } }, 'bad_url');
    default:
      return err;
  }
}

/**
 * The error for a push of `ref` that isomorphic-git refused before sending (its check that the
 * remote's ref is an ancestor), else transportError.
 */
export function pushError(err: unknown, ref: string, remote: string): unknown {
  const e = (err ?? {}) as GitError;
  if (e.code === 'PushRejectedError' && e.data?.reason === 'tag-exists') {
    return new ConflictError(`the remote already has a different ${ref.replace(/^refs\/tags\//, 'tag ')}`, { cause: err, hint: 'tags are not moved by push; delete the remote tag or use a new name', data: { ref } }, 'tag_exists');
  }
  if (e.code === 'PushRejectedError') {
    const branch = ref.replace(/^refs\/heads\//, '');
    return new ConflictError(`the remote's ${branch} has commits that this ${branch} does not have: the push is not a fast-forward`, {
      cause: err,
      hint: `run 'hub pull' to bring them in (it merges diverged histories), then push again`,
      data: { ref },
    }, 'non_fast_forward');
  }
  if (e.code === 'GitPushError') {
    // the remote took the pack and refused the ref update (`ng`): its pre-receive check, or
    // another push that moved the ref after it was advertised here
    const refs = ((e.data?.result as { refs?: Record<string, { error?: string }> } | undefined)?.refs ?? {}) as Record<string, { error?: string }>;
    const why = refs[ref]?.error ?? Object.values(refs).find((r) => r.error)?.error ?? 'refused';
    const name = ref.replace(/^refs\/heads\//, '');
    return new ConflictError(`the remote did not update ${name}: ${firstLine(why)}`, {
      cause: err,
      hint: `its messages above say why; if another push moved ${name} meanwhile, run 'hub pull', then push again`,
      data: { ref, reason: why },
    }, 'push_rejected');
  }
  return transportError(err, remote);
}

/** The URL of remote `name` in `gitdir` (the name itself when it has none), for messages. */
export async function remoteUrl(gitdir: string, name: string): Promise<string> {
  try {
    return ((await git.getConfig({ fs, gitdir, path: `remote.${name}.url` })) as string | undefined) ?? name;
  } catch {
    return name;
  }
}

function firstLine(text: string | undefined): string {
  const line = (text ?? 'no answer').split('\n')[0];
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}
