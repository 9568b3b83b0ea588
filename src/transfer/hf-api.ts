/**
 * Client of the Hugging Face Hub API (as `hub serve` and huggingface.co answer it), for the files
 * of one revision when a server offers no git route: the revision's commit
 * (`/api/{models|datasets}/{id}/revision/{rev}`), its file tree (`.../tree/{rev}?recursive=true`,
 * following `Link: <...>; rel="next"` pages) and a file's bytes (`/{id}/resolve/{rev}/{path}`).
 * Each call takes an optional AbortSignal that cancels its requests and retries.
 */
import { NetworkError, UsageError } from '../errors.js';
import { errorForBody } from './http-client.js';
import { send } from './lfs-client.js';
import { isRecord, parseJsonAnswer, unexpectedAnswer } from './remote-answer.js';
import { withRetries } from './retry.js';

/** A file of a revision's tree. */
export interface HfTreeFile {
  path: string;
  /** The git blob id (of the LFS pointer, for an LFS file). */
  oid: string;
  size: number;
  lfs?: { oid: string; size: number; pointerSize?: number };
}

/** Where a repository is on an HF-style server. */
export interface HfRepo {
  /** The server's base URL (scheme, host and any path prefix). */
  endpoint: string;
  type: 'model' | 'dataset';
  /** `owner/name`. */
  id: string;
}

/** An HF repository from a repository URL: `http://host[/prefix]/[datasets/]owner/name`. */
export function hfRepoOf(url: string): HfRepo {
  const u = new URL(url);
  const parts = u.pathname.replace(/\.git$/, '').split('/').filter(Boolean);
  if (parts.length < 2) throw new UsageError(`not a repository URL: ${url}`, {}, 'bad_url');
  const id = parts.slice(-2).join('/');
  const dataset = parts.at(-3) === 'datasets';
  const prefix = parts.slice(0, parts.length - (dataset ? 3 : 2)).join('/');
  return { endpoint: `${u.origin}${prefix ? `/${prefix}` : ''}`, type: dataset ? 'dataset' : 'model', id };
}

const apiBase = (r: HfRepo) => `${r.endpoint}/api/${r.type === 'dataset' ? 'datasets' : 'models'}/${r.id}`;

async function getJson(url: string, token: string | undefined, what: string, expected: string, signal: AbortSignal | undefined): Promise<{ json: unknown; link?: string }> {
  return withRetries(async () => {
    const res = await send(url, { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, what, res.headers['retry-after']);
    return { json: parseJsonAnswer(url, text, res.headers['content-type'], expected), link: res.headers.link as string | undefined };
  }, { signal });
}

/**
 * Whether the server answers `GET /api/{models|datasets}/{id}` with 200: the repository exists and
 * this token may read it. Any failure (network, status, garbage) is false: callers only use it
 * to word an error they already have.
 */
export async function hfRepoExists(repo: HfRepo, token?: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const res = await send(apiBase(repo), { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

/** The commit id of revision `rev` (default branch when undefined). */
export async function hfRevision(repo: HfRepo, rev: string | undefined, token?: string, signal?: AbortSignal): Promise<string> {
  const url = rev === undefined ? apiBase(repo) : `${apiBase(repo)}/revision/${encodeURIComponent(rev)}`;
  const expected = 'Hugging Face revision info';
  const { json } = await getJson(url, token, `reading ${repo.id}${rev ? `@${rev}` : ''}`, expected, signal);
  const sha = isRecord(json) ? json.sha : undefined;
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) throw unexpectedAnswer(url, expected, 'JSON without a commit id (sha)');
  return sha;
}

/** Every file of the tree of `commit`, following pagination. */
export async function hfTree(repo: HfRepo, commit: string, token?: string, signal?: AbortSignal): Promise<HfTreeFile[]> {
  const files: HfTreeFile[] = [];
  let url: string | undefined = `${apiBase(repo)}/tree/${encodeURIComponent(commit)}?recursive=true`;
  for (let page = 0; url; page++) {
    const expected = 'a Hugging Face tree listing';
    if (page > 100_000) throw unexpectedAnswer(url, expected, 'a tree that never ends (100,000 pages)');
    const { json, link } = await getJson(url, token, `listing ${repo.id}@${commit.slice(0, 7)}`, expected, signal);
    if (!Array.isArray(json)) throw unexpectedAnswer(url, expected, 'JSON that is not a list');
    for (const e of json as unknown[]) {
      if (!isRecord(e)) throw unexpectedAnswer(url, expected, 'a list with an entry that is not an object');
      if (e.type !== 'file') continue;
      if (typeof e.path !== 'string' || typeof e.oid !== 'string' || typeof e.size !== 'number') throw unexpectedAnswer(url, expected, 'a file entry lacking path, oid or size');
      const lfs = e.lfs as { oid?: unknown; size?: unknown; pointerSize?: unknown } | undefined;
      files.push({ path: e.path, oid: e.oid, size: e.size, ...(lfs && typeof lfs.oid === 'string' && typeof lfs.size === 'number' ? { lfs: { oid: lfs.oid, size: lfs.size } } : {}) });
    }
    const next = /<([^>]+)>;\s*rel="next"/.exec(link ?? '')?.[1];
    url = next ? new URL(next, url).toString() : undefined;
  }
  return files;
}

/** The URL of a file's bytes at `commit`. */
export function hfResolveUrl(repo: HfRepo, commit: string, path: string): string {
  return `${repo.endpoint}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.id}/resolve/${encodeURIComponent(commit)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** The whole bytes of a (small) file at `commit`. */
export async function hfResolve(repo: HfRepo, commit: string, path: string, token?: string, signal?: AbortSignal): Promise<Buffer> {
  return withRetries(async () => {
    const res = await send(hfResolveUrl(repo, commit, path), { headers: token ? { authorization: `Bearer ${token}` } : {}, signal });
    if (res.statusCode !== 200) throw errorForBody(res.statusCode, await res.body.text(), `downloading ${path}`, res.headers['retry-after']);
    try {
      return Buffer.from(await res.body.arrayBuffer());
    } catch (err) {
      throw new NetworkError(`connection lost while downloading ${path} (${(err as Error).message})`, { cause: err }, 'connection_lost');
    }
  }, { signal });
}
