/**
 * The read half of the Hugging Face–compatible API of `hub serve` (DESIGN.md §5, issue 7), so that
 * `@huggingface/hub` and `huggingface_hub` can list and download what `hub push` wrote:
 *
 * - `GET /api/{models,datasets}/O/N[/revision/REV]`: repository info with `sha` and `siblings`
 * - `GET /api/{models,datasets}/O/N/tree/REV[/PATH]`: entries, paginated with `Link: rel="next"`
 * - `POST /api/{models,datasets}/O/N/paths-info/REV`: entries of the paths asked for (JSON or form)
 * - `GET|HEAD /[datasets/]O/N/{resolve,raw}/REV/PATH`: a file's bytes (hf-resolve.ts)
 *
 * Routes are matched on the raw (still percent-encoded) path: a revision like `refs%2Fpr%2F1` is
 * one segment, while a file path may come with its `/` encoded or not. An unencoded `refs/...`
 * revision is taken as three segments (`refs/pr/1`), the JS client's `listFiles` sends it so.
 * Access is decided by hfRepo before anything else, so a caller who may not see a repository
 * learns nothing from bad revisions, paths or bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRepoSegment, repoDir, type RepoType } from './bare-repos.js';
import { BareRepo, type CommitInfo } from './git-read.js';
import { decodeSegment, hfError, hfRepo } from './hf-access.js';
import { commitOf, decodeCursor, encodeCursor, parseBool, repoPath, toEntries, type HfEntry } from './hf-entries.js';
import { handleResolve } from './hf-resolve.js';
import { HttpError, readBody, sendJson } from './http-util.js';
import { parseJsonBody } from './json-scan.js';
import type { HfReadContext } from './hf-read-context.js';
import type { RepoRecord } from './metadata.js';

/** A matched read route; `rev` and `path` are decoded. */
export interface HfReadRoute {
  kind: 'info' | 'tree' | 'paths-info' | 'resolve' | 'raw';
  type: RepoType;
  owner: string;
  name: string;
  /** Undefined only for `info` without `/revision/...` (the default branch). */
  rev?: string;
  /** Path inside the repository ('' for the root). */
  path: string;
}

export type { HfReadContext };

/** Page size of tree listings (the `limit` query parameter may ask for less); smaller with `expand`. */
export const TREE_PAGE = 1000;
export const TREE_PAGE_EXPANDED = 100;
const PATHS_INFO_MAX = 1000;
const BODY_LIMIT = 4 << 20;

/** Splits raw segments into the revision (one segment, or `refs/x/y` unencoded) and the path after it. */
function revAndPath(raw: string[]): { rev: string; path: string } {
  const n = raw[0] === 'refs' && raw.length >= 3 ? 3 : 1;
  return { rev: raw.slice(0, n).map(decodeSegment).join('/'), path: raw.slice(n).map(decodeSegment).join('/') };
}

/** The read route `rawPath` (URL pathname, percent-encoded) names, or undefined when it is none of them. */
export function hfReadRoute(rawPath: string): HfReadRoute | undefined {
  const seg = rawPath.split('/').slice(1);
  let type: RepoType = 'model';
  if (seg[0] === 'api' && (seg[1] === 'models' || seg[1] === 'datasets')) {
    type = seg[1] === 'datasets' ? 'dataset' : 'model';
    const [owner, name, what, ...rest] = seg.slice(2).map((s, i) => (i < 3 ? decodeSegment(s) : s));
    if (!validRepo(owner, name)) return undefined;
    const base = { type, owner, name, path: '' };
    if (what === undefined || (what === '' && rest.length === 0)) return { kind: 'info', ...base };
    const tail = rest.filter((s, i) => s !== '' || i < rest.length - 1); // a trailing `/` adds nothing
    if (tail.length === 0) return undefined;
    if (what === 'revision') return { kind: 'info', ...base, rev: tail.map(decodeSegment).join('/') };
    if (what === 'paths-info') return { kind: 'paths-info', ...base, rev: tail.map(decodeSegment).join('/') };
    if (what === 'tree') return { kind: 'tree', ...base, ...revAndPath(tail) };
    return undefined;
  }
  if (seg[0] === 'datasets') {
    type = 'dataset';
    seg.shift();
  }
  const [owner, name, what, ...rest] = seg;
  if ((what !== 'resolve' && what !== 'raw') || rest.length < 2) return undefined;
  const o = decodeSegment(owner);
  const n = decodeSegment(name);
  if (!validRepo(o, n) || (type === 'model' && o === 'api')) return undefined;
  const { rev, path } = revAndPath(rest);
  return { kind: what, type, owner: o, name: n, rev, path };
}

function validRepo(owner: string | undefined, name: string | undefined): owner is string {
  return owner !== undefined && name !== undefined && badRepoSegment(owner, 'owner') === undefined && badRepoSegment(name, 'name') === undefined;
}

const METHODS: Record<HfReadRoute['kind'], string[]> = { info: ['GET', 'HEAD'], tree: ['GET', 'HEAD'], 'paths-info': ['POST'], resolve: ['GET', 'HEAD'], raw: ['GET', 'HEAD'] };

/** Answers a read route: access first (hfRepo), then the handler of its kind. */
export async function handleHfRead(route: HfReadRoute, req: IncomingMessage, res: ServerResponse, url: URL, ctx: HfReadContext): Promise<void> {
  const allowed = METHODS[route.kind];
  if (!allowed.includes(req.method ?? 'GET')) throw new HttpError(405, `${req.method} is not supported here`, { Allow: allowed.join(', ') });
  const repo = await hfRepo(ctx.meta, ctx.id, route.type, route.owner, route.name, 'read');
  const bare = new BareRepo(repoDir(ctx.root, repo.type, repo.owner, repo.name));
  switch (route.kind) {
    case 'info':
      return sendJson(res, 200, await repoInfo(repo, bare, route.rev, url.searchParams));
    case 'tree':
      return tree(route, bare, res, url, ctx);
    case 'paths-info':
      return sendJson(res, 200, await pathsInfo(bare, route.rev!, await readPathsBody(req)));
    default:
      return handleResolve({ raw: route.kind === 'raw', rev: route.rev!, path: route.path }, repo, bare, req, res, ctx);
  }
}

/** The HF `_id` of a repository: 24 hex digits, stable for its lifetime. */
function objectId(repo: RepoRecord): string {
  return `${repo.type === 'dataset' ? 'd' : 'm'}${repo.id.toString(16).padStart(23, '0')}`;
}

/**
 * The repository info at `rev` (default: HEAD, the default branch, which may be unborn in an
 * empty repository: then there is no `sha` and no siblings). With `expand=K` (repeatable) only
 * `_id`, `id` and the keys asked for that this server knows are returned, as on the HF Hub;
 * `blobs=true` adds `blobId`, `size` and `lfs` to every sibling.
 */
async function repoInfo(repo: RepoRecord, bare: BareRepo, rev: string | undefined, query: URLSearchParams): Promise<Record<string, unknown>> {
  const expand = [...query.getAll('expand'), ...query.getAll('expand[]')];
  const blobs = parseBool(query.get('blobs'), 'blobs');
  const commit: CommitInfo | undefined = rev === undefined || rev === 'HEAD' ? await bare.resolve('HEAD') : await commitOf(bare, rev);
  const wanted = (key: string) => expand.length === 0 || expand.includes(key);
  const id = `${repo.owner}/${repo.name}`;
  const createdAt = new Date(repo.createdAt).toISOString();
  const full: Record<string, unknown> = {
    _id: objectId(repo),
    id,
    ...(repo.type === 'model' ? { modelId: id } : {}),
    author: repo.owner,
    ...(commit ? { sha: commit.id } : {}),
    lastModified: commit?.date ?? createdAt,
    createdAt,
    private: repo.private,
    disabled: false,
    gated: false,
    downloads: 0,
    downloadsAllTime: 0,
    likes: 0,
    tags: [],
    type: repo.type,
  };
  if (wanted('siblings')) full.siblings = commit ? await siblings(bare, commit.id, blobs) : [];
  if (expand.length === 0) return full;
  const picked: Record<string, unknown> = { _id: full._id, id };
  for (const key of expand) if (key in full) picked[key] = full[key];
  return picked;
}

async function siblings(bare: BareRepo, commit: string, blobs: boolean): Promise<unknown[]> {
  const files = (await bare.listTree(commit, '', true)).filter((i) => i.type === 'blob');
  if (!blobs) return files.map((f) => ({ rfilename: f.path }));
  const entries = await toEntries(bare, files);
  return entries.map((e) => ({ rfilename: e.path, blobId: e.oid, size: e.size, ...(e.lfs ? { lfs: { sha256: e.lfs.oid, size: e.lfs.size, pointerSize: e.lfs.pointerSize } } : {}) }));
}

/** `?limit=` as an integer clamped to 1..max (`fallback` when absent). */
function pageSize(value: string | null, max: number): number {
  if (value === null || value === '') return max;
  if (!/^-?\d{1,9}$/.test(value)) throw hfError(400, 'BadRequest', `limit must be an integer, not ${JSON.stringify(value.slice(0, 50))}`);
  return Math.min(max, Math.max(1, Number(value)));
}

/**
 * The tree at `rev`/`path`: one level, or everything below with `recursive`. Pages hold `limit`
 * entries (at most {@link TREE_PAGE}, {@link TREE_PAGE_EXPANDED} with `expand`); when more
 * follow, `Link: <url>; rel="next"` names the next page, whose `cursor` pins the commit the first
 * page listed, so a branch that moves meanwhile does not mix two trees.
 */
async function tree(route: HfReadRoute, bare: BareRepo, res: ServerResponse, url: URL, ctx: HfReadContext): Promise<void> {
  const q = url.searchParams;
  const recursive = parseBool(q.get('recursive'), 'recursive');
  const expand = parseBool(q.get('expand'), 'expand');
  const limit = pageSize(q.get('limit'), expand ? TREE_PAGE_EXPANDED : TREE_PAGE);
  const cursorValue = q.get('cursor');
  let commit: string;
  let offset = 0;
  if (cursorValue) {
    const cursor = decodeCursor(cursorValue);
    const known = await bare.resolve(cursor.commit);
    if (known?.id !== cursor.commit) throw hfError(400, 'BadRequest', 'invalid cursor');
    ({ commit, offset } = cursor);
  } else commit = (await commitOf(bare, route.rev!)).id;
  const path = repoPath(route.path);
  let tree = commit;
  if (path !== '') {
    const [found] = path === undefined ? [undefined] : await bare.lookup(commit, [path]);
    if (found?.type !== 'tree') throw hfError(404, 'EntryNotFound', `no directory ${JSON.stringify(route.path)} at revision ${route.rev}`);
    tree = found.oid;
  }
  const items = (await bare.listTree(tree, path!, recursive)).filter((i) => i.type === 'blob' || i.type === 'tree');
  const entries = await toEntries(bare, items.slice(offset, offset + limit), { expand, commit });
  const headers: Record<string, string> = {};
  if (offset + limit < items.length) {
    const next = new URLSearchParams(q);
    next.set('cursor', encodeCursor({ commit, offset: offset + limit }));
    headers.Link = `<${ctx.baseUrl}${url.pathname}?${next.toString()}>; rel="next"`;
  }
  sendJson(res, 200, entries, headers);
}

/** The body of a paths-info request: JSON `{paths, expand}` or form-encoded `paths=a&paths=b&expand=True`. */
async function readPathsBody(req: IncomingMessage): Promise<{ paths: string[]; expand: boolean }> {
  const raw = await readBody(req, BODY_LIMIT);
  const text = raw.toString('utf8');
  if (/^application\/x-www-form-urlencoded\b/i.test(String(req.headers['content-type'] ?? ''))) {
    const form = new URLSearchParams(text);
    return { paths: [...form.getAll('paths'), ...form.getAll('paths[]')], expand: parseBool(form.get('expand'), 'expand') };
  }
  let body: unknown;
  try {
    body = parseJsonBody(raw);
  } catch {
    throw hfError(400, 'BadRequest', 'request body is neither JSON nor form-encoded (or nests too deep)');
  }
  const b = body as { paths?: unknown; expand?: unknown };
  if (typeof b !== 'object' || b === null || !Array.isArray(b.paths) || !b.paths.every((p) => typeof p === 'string')) {
    throw hfError(400, 'BadRequest', 'paths-info needs {"paths": [strings]}');
  }
  const expand = typeof b.expand === 'string' ? parseBool(b.expand, 'expand') : b.expand === true;
  return { paths: b.paths as string[], expand };
}

/** The entries of the paths that exist at `rev`, in the order asked (missing ones are left out, as on HF). */
async function pathsInfo(bare: BareRepo, rev: string, body: { paths: string[]; expand: boolean }): Promise<HfEntry[]> {
  if (body.paths.length > PATHS_INFO_MAX) throw hfError(400, 'BadRequest', `at most ${PATHS_INFO_MAX} paths per request`);
  const commit = await commitOf(bare, rev);
  const paths = [...new Set(body.paths.map(repoPath).filter((p): p is string => p !== undefined && p !== ''))];
  const found = await bare.lookup(commit.id, paths);
  const items = paths.flatMap((path, i) => (found[i] ? [{ ...found[i]!, path }] : []));
  return toEntries(bare, items, { expand: body.expand, commit: commit.id });
}
