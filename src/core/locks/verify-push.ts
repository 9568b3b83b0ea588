/**
 * The lock verification of `hub push` (git-lfs's pre-push step): before any content is uploaded,
 * `POST locks/verify` at the remote's LFS endpoint says which locks are the caller's and which
 * are other users'; a push whose commits change a file another user has locked is refused
 * (exit 7, each path and owner named), and nothing is sent.
 *
 * `lfs.<url>.locksverify` (git config, matched against the LFS endpoint and its parent URLs
 * like git-lfs's URL config) decides, as in git-lfs:
 * - `false`: no verification at all;
 * - `true`: verification must succeed: an auth, network or server failure fails the push;
 * - unset: a failure is a note (shown without -q) and the push goes on.
 * A server answering 404 or 501 does not implement locking: the push goes on in every case.
 * Where git-lfs, with the setting unset, only warns about other users' locks, hub refuses: a
 * lock means "do not push changes to this file" whatever a clone's configuration says.
 */
import { ConflictError, HubError } from '../../errors.js';
import { getConfig } from '../../repo/repository.js';
import { pathsChangedByPush } from '../../repo/push-paths.js';
import { verifyLocks, type LfsLock } from '../../transfer/lfs-locks-client.js';
import type { RepoSession } from '../worktree/repo-session.js';
import { setOwnLocks } from './own-locks.js';
import type { LfsTarget } from '../../transfer/lfs-auth.js';

/** What the verification found: whether it ran, and the changed files locked by the pusher. */
export interface PushLockCheck {
  verified: boolean;
  /** Changed files under the pusher's own locks (worth unlocking after the push, git-lfs says). */
  ours: string[];
}

/** `lfs.<url>.locksverify` for `endpoint`: the most specific URL that sets it, else undefined. */
export async function locksVerifySetting(s: RepoSession, endpoint: string): Promise<boolean | undefined> {
  const url = new URL(endpoint);
  const segments = url.pathname.split('/').filter((p) => p !== '');
  for (let n = segments.length; n >= 0; n--) {
    const candidate = `${url.origin}${n ? `/${segments.slice(0, n).join('/')}` : ''}`;
    for (const key of [candidate, `${candidate}/`]) {
      const value = await getConfig(s.paths, `lfs.${key}.locksverify`);
      if (value === undefined || value === null) continue;
      const text = String(value).toLowerCase();
      return !(text === 'false' || text === 'no' || text === 'off' || text === '0' || text === '');
    }
  }
  return undefined;
}

/**
 * Verifies the locks of `remoteUrl` for a push of `tips` (the remote already has `known`), to
 * update the refs `refs`; ConflictError `locked_by_other` when the push changes a file another
 * user holds. Records the pusher's own locks for the checkouts' write flags.
 */
export async function verifyPushLocks(s: RepoSession, target: LfsTarget, tips: readonly string[], known: readonly string[], refs: readonly string[]): Promise<PushLockCheck> {
  const endpoint = target.url;
  const setting = await locksVerifySetting(s, endpoint);
  if (setting === false || tips.length === 0) return { verified: false, ours: [] };
  const ours = new Map<string, LfsLock>(); // by id: a server without per-ref locks answers each ref alike
  const theirs = new Map<string, LfsLock>();
  for (const ref of refs.length ? refs : [undefined]) {
    let answer;
    try {
      answer = await verifyLocks(endpoint, { auth: target.auth, ref, signal: s.ctx.signal });
    } catch (err) {
      s.ctx.signal.throwIfAborted();
      if (setting === true || !(err instanceof HubError)) throw err;
      // no usable credentials: the upload that follows would be refused the same way, so say it once
      if (err.code === 'credentials_rejected' || err.code === 'no_credentials') throw err;
      s.ctx.progress({ type: 'notice', level: 'info', message: `could not verify the remote's file locks (${err.message}); pushing anyway (set lfs.${endpoint}.locksverify true to make this an error)` });
      return { verified: false, ours: [] };
    }
    if (!answer.supported) return { verified: false, ours: [] }; // no locking on this server (404/501)
    for (const l of answer.ours) ours.set(l.id, l);
    for (const l of answer.theirs) theirs.set(l.id, l);
  }
  setOwnLocks(s.paths.hubdir, endpoint, [...ours.values()]);
  if (ours.size === 0 && theirs.size === 0) return { verified: true, ours: [] };
  const changed = await pathsChangedByPush(s.paths.gitdir, tips, known, s.ctx.signal);
  const blocked = [...theirs.values()].filter((l) => changed.has(l.path)).sort((a, b) => (a.path < b.path ? -1 : 1));
  if (blocked.length) {
    const named = blocked.map((l) => `${l.path} (locked by ${l.owner ?? 'another user'})`);
    throw new ConflictError(
      `cannot push changes to ${blocked.length === 1 ? 'a file' : `${blocked.length} files`} locked by someone else: ${named.slice(0, 5).join(', ')}${named.length > 5 ? ', ...' : ''}`,
      { hint: 'ask the owner to unlock them (hub unlock / git lfs unlock), or leave those files out of your commits', data: { locks: blocked } },
      'locked_by_other',
    );
  }
  return { verified: true, ours: [...new Set([...ours.values()].filter((l) => changed.has(l.path)).map((l) => l.path))].sort() };
}
