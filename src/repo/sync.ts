/**
 * Moving git history over smart HTTP with isomorphic-git: clone (without checkout: hub
 * materialises files itself), fetch and push. The http plugin is passed in (transfer layer), so
 * this module does no HTTP of its own.
 */
import fs from 'node:fs';
import git from 'isomorphic-git';
import { pushError, remoteUrl, transportError } from './transport-errors.js';

/** isomorphic-git's http plugin type. */
export type HttpPlugin = Parameters<typeof git.clone>[0]['http'];

/** Clones `url` into `dir` without touching the working tree; returns the default branch's commit. */
export async function cloneHistory(opts: { dir: string; url: string; http: HttpPlugin; ref?: string }): Promise<{ branch: string | undefined; commit: string | undefined }> {
  await git.clone({ fs, http: opts.http, dir: opts.dir, url: opts.url, ref: opts.ref, noCheckout: true, singleBranch: false }).catch((err) => {
    throw transportError(err, opts.url);
  });
  const branch = (await git.currentBranch({ fs, dir: opts.dir, fullname: false })) ?? undefined;
  let commit: string | undefined;
  try {
    commit = await git.resolveRef({ fs, dir: opts.dir, ref: 'HEAD' });
  } catch {
    commit = undefined; // an empty repository
  }
  return { branch, commit };
}

/** Fetches `remote` (updating its remote-tracking refs). */
export async function fetchHistory(opts: { gitdir: string; remote: string; http: HttpPlugin; ref?: string }): Promise<{ fetchHead?: string }> {
  const r = await git.fetch({ fs, http: opts.http, gitdir: opts.gitdir, remote: opts.remote, ref: opts.ref, singleBranch: !!opts.ref, tags: true }).catch(async (err) => {
    throw transportError(err, await remoteUrl(opts.gitdir, opts.remote));
  });
  return { fetchHead: r.fetchHead ?? undefined };
}

/**
 * Pushes local `branch` (a branch name, or a full ref such as `refs/tags/v1`) to `remote`; a
 * rejection is reported by the caller. `force` pushes a non-fast-forward; `delete` deletes the
 * remote ref. `lease` (git's --force-with-lease) names the commit the remote's ref must still be
 * at (null: it must not exist): the check runs on the value the remote advertised, and that value
 * is the old value of the ref update the server applies atomically, so a push that raced in
 * between fails on the server. The remote's value is returned when the lease does not hold.
 */
export async function pushHistory(opts: { gitdir: string; remote: string; branch: string; http: HttpPlugin; force?: boolean; delete?: boolean; lease?: string | null }): Promise<{ ok: boolean; error?: string; staleLease?: string | null; before?: string | null }> {
  const ref = opts.branch.startsWith('refs/') ? opts.branch : `refs/heads/${opts.branch}`;
  const ZERO = '0000000000000000000000000000000000000000';
  let seen: string | null | undefined;
  // what the remote advertised for the ref (null: it had none), and the lease's check
  const onPrePush = ({ remoteRef }: { remoteRef: { oid: string } }) => {
    seen = remoteRef.oid === ZERO ? null : remoteRef.oid;
    return opts.lease === undefined || seen === opts.lease;
  };
  let r;
  try {
    r = await git.push({ fs, http: opts.http, gitdir: opts.gitdir, remote: opts.remote, ref, remoteRef: ref, force: opts.force || opts.lease !== undefined, delete: opts.delete, onPrePush });
  } catch (err) {
    if ((err as { code?: string }).code === 'UserCanceledError' && seen !== undefined && opts.lease !== undefined) return { ok: false, staleLease: seen };
    throw pushError(err, ref, await remoteUrl(opts.gitdir, opts.remote));
  }
  const status = r.refs[ref];
  const error = status?.error || r.error || undefined;
  return { ok: r.ok && (status?.ok ?? true), error, ...(seen !== undefined ? { before: seen } : {}) };
}
