/**
 * Where a remote's Git LFS API is, by git-lfs's rules (its `lfsapi/endpoint_finder.go` and
 * `git-lfs-config(5)`), so that hub and `git lfs env` agree:
 *
 * 1. for uploads, `lfs.pushurl`; then `lfs.url`;
 * 2. for uploads, `remote.<name>.lfspushurl`; then `remote.<name>.lfsurl`;
 * 3. else derived from the git remote's URL (`remote.<name>.pushurl` for uploads, else
 *    `remote.<name>.url`): `/info/lfs` appended when it ends in `.git`, else `.git/info/lfs`.
 *
 * A remote other than `origin` that yields nothing falls back to `origin`'s endpoint. URLs go
 * through `url.<base>.insteadOf` (and `pushInsteadOf` for uploads), longest alias first. The
 * config seen here is git's (system, global, local) over the committed `.lfsconfig`, which only
 * may set the few keys git-lfs calls safe (repo/git-config.ts reads both). The access mode is
 * `lfs.<endpoint>.access` matched as git matches URLs (`private` means `basic`), else `none`.
 */
import type { GitConfigValues } from '../formats/git-config-values.js';

/** The operation an endpoint is for (`upload` reads the push URLs). */
export type LfsOperation = 'download' | 'upload';

/** A remote's Git LFS endpoint. */
export interface LfsEndpoint {
  /** The LFS API base (`…/info/lfs`); may carry `user:password@` as configured. */
  url: string;
  /** `none` (send credentials only after a 401), `basic` (send them up front), or what lfs.<url>.access says. */
  access: string;
  /** The config key the URL came from, or `remote.<name>.url` when derived from the git remote. */
  source: string;
}

const DEFAULT_REMOTE = 'origin';

/** The LFS endpoint of remote `remote` for `operation`; undefined when there is none. */
export function lfsEndpointOf(config: GitConfigValues, remote: string, operation: LfsOperation): LfsEndpoint | undefined {
  const found = endpointUrl(config, remote, operation);
  if (!found) return undefined;
  return { ...found, access: accessFor(config, found.url) };
}

function endpointUrl(config: GitConfigValues, remote: string, operation: LfsOperation): { url: string; source: string } | undefined {
  const keys = operation === 'upload' ? ['lfs.pushurl', 'lfs.url'] : ['lfs.url'];
  for (const key of keys) {
    const v = config.get(key);
    if (v !== undefined) return { url: replaceAlias(config, operation, v), source: key };
  }
  if (remote !== DEFAULT_REMOTE) {
    const own = remoteEndpoint(config, remote, operation);
    if (own) return own;
  }
  return remoteEndpoint(config, DEFAULT_REMOTE, operation);
}

function remoteEndpoint(config: GitConfigValues, remote: string, operation: LfsOperation): { url: string; source: string } | undefined {
  const keys = operation === 'upload' ? [`remote.${remote}.lfspushurl`, `remote.${remote}.lfsurl`] : [`remote.${remote}.lfsurl`];
  for (const key of keys) {
    const v = config.get(key);
    if (v !== undefined) return { url: replaceAlias(config, operation, v), source: key };
  }
  const pushUrl = operation === 'upload' ? config.get(`remote.${remote}.pushurl`) : undefined;
  const key = pushUrl !== undefined ? `remote.${remote}.pushurl` : `remote.${remote}.url`;
  const gitUrl = pushUrl ?? config.get(key);
  if (gitUrl === undefined) return undefined;
  return { url: lfsUrlOfCloneUrl(replaceAlias(config, operation, gitUrl)), source: key };
}

/** The default endpoint of a git remote URL: `/info/lfs` after a `.git` suffix, else `.git/info/lfs`. */
export function lfsUrlOfCloneUrl(cloneUrl: string): string {
  const u = cloneUrl.endsWith('/') ? cloneUrl.slice(0, -1) : cloneUrl;
  if (u.startsWith('file://')) return u;
  return u.endsWith('.git') ? `${u}/info/lfs` : `${u}.git/info/lfs`;
}

/** `url.<base>.insteadOf` (and `pushInsteadOf` for uploads): the longest matching alias is replaced by its base. */
function replaceAlias(config: GitConfigValues, operation: LfsOperation, url: string): string {
  const pick = (variable: string): string | undefined => {
    let best: { alias: string; base: string } | undefined;
    for (const [k, alias] of config.matching('url.', `.${variable}`)) {
      if (alias && url.startsWith(alias) && (!best || alias.length > best.alias.length)) best = { alias, base: k.slice(4, k.length - variable.length - 1) };
    }
    return best ? best.base + url.slice(best.alias.length) : undefined;
  };
  return (operation === 'upload' ? pick('pushinsteadof') : undefined) ?? pick('insteadof') ?? url;
}

/** `lfs.<url>.access` for an endpoint (its credentials left out), lower-cased; `private` is `basic`; else `none`. */
export function accessFor(config: GitConfigValues, endpointUrl: string): string {
  const v = config.forUrl('lfs', withoutCredentials(endpointUrl), 'access')?.toLowerCase();
  if (!v) return 'none';
  return v === 'private' ? 'basic' : v;
}

/** `url` without `user:password@`. */
export function withoutCredentials(url: string): string {
  if (!url.includes('@')) return url;
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** `url` with its password (if any) shown as `***`, for output: hub never prints a secret. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
