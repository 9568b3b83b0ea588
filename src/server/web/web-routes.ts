/**
 * Which URLs are web pages. The routes are HF's (`/OWNER/NAME`, `/tree/REV/PATH`, `/blob/...`,
 * `/commits/REV`, `/commit/SHA`), plus `/compare/A...B`, the home and owner pages and `/-/...`
 * (stylesheet, log in, log out; `-` can be no owner name). A page claims nothing else: not
 * `/api/...`, not `NAME.git/...`, not `info/refs`, `git-upload-pack`, `resolve` or `raw`, so the
 * API, git, LFS and HF routes keep every URL they answer. A revision is one path segment, with
 * `/` encoded as `%2F` (`refs%2Fpr%2F1`), as the HF Hub's pages do.
 */
import { badRepoSegment, type RepoType } from '../bare-repos.js';

/** A repository a page is about. */
export interface RepoRef {
  type: RepoType;
  owner: string;
  name: string;
}

/** A matched page. */
export type WebRoute =
  | { page: 'home'; type?: RepoType }
  | { page: 'owner'; owner: string }
  | { page: 'style' }
  | { page: 'login' }
  | { page: 'logout' }
  | ({ page: 'repo' } & RepoRef)
  | ({ page: 'tree'; rev: string; path: string } & RepoRef)
  | ({ page: 'blob'; rev: string; path: string } & RepoRef)
  | ({ page: 'commits'; rev?: string; path: string } & RepoRef)
  | ({ page: 'commit'; rev: string } & RepoRef)
  | ({ page: 'compare'; base: string; head: string } & RepoRef)
  | { page: 'bad'; message: string };

const VIEWS = new Set(['tree', 'blob', 'commits', 'commit', 'compare']);

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function validOwner(owner: string): boolean {
  return badRepoSegment(owner, 'owner') === undefined && owner !== 'api' && owner !== 'datasets';
}

/** The page `rawPath` (URL pathname, still percent-encoded) names, or undefined when it is not a page. */
export function matchWebRoute(rawPath: string): WebRoute | undefined {
  const raw = rawPath.split('/').slice(1);
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop(); // a trailing slash names the same page
  const seg = raw.map(decode);
  if (seg.some((s) => s === undefined)) return raw.length >= 3 && VIEWS.has(raw[2] ?? '') ? { page: 'bad', message: 'invalid percent-encoding in the path' } : undefined;
  const s = seg as string[];
  if (s.length === 1 && s[0] === '') return { page: 'home' };
  if (s[0] === '-') {
    if (s.length === 2 && s[1] === 'style.css') return { page: 'style' };
    if (s.length === 2 && s[1] === 'login') return { page: 'login' };
    if (s.length === 2 && s[1] === 'logout') return { page: 'logout' };
    return undefined;
  }
  let type: RepoType = 'model';
  let at = 0;
  if (s[0] === 'datasets') {
    if (s.length === 1) return { page: 'home', type: 'dataset' };
    type = 'dataset';
    at = 1;
  }
  const [owner, name, view, ...rest] = s.slice(at);
  if (owner === undefined || !validOwner(owner)) return undefined;
  if (name === undefined) return type === 'model' ? { page: 'owner', owner } : undefined;
  if (badRepoSegment(name, 'name') !== undefined) return undefined;
  const repo: RepoRef = { type, owner, name };
  if (view === undefined) return { page: 'repo', ...repo };
  if (!VIEWS.has(view)) return undefined;
  const [rev, ...path] = rest;
  const joined = path.join('/');
  switch (view) {
    case 'tree':
      return rev === undefined ? undefined : { page: 'tree', ...repo, rev, path: joined };
    case 'blob':
      return rev === undefined || joined === '' ? undefined : { page: 'blob', ...repo, rev, path: joined };
    case 'commits':
      return { page: 'commits', ...repo, rev, path: joined };
    case 'commit':
      return rev === undefined || path.length > 0 ? undefined : { page: 'commit', ...repo, rev };
    default: {
      const m = rev === undefined || path.length > 0 ? null : /^(.+?)\.\.\.(.+)$/.exec(rev);
      return m ? { page: 'compare', ...repo, base: m[1], head: m[2] } : { page: 'bad', message: 'a comparison is /compare/BASE...HEAD' };
    }
  }
}
