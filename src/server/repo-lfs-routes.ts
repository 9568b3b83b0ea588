/**
 * The LFS routes under a repository's `.git/info/lfs/`: hub-chunks' CAS (`cas/v1/...`), the
 * File Locking API (`locks...`) and the batch and object routes (`objects/...`). Each checks
 * access (access.ts) before it reads a body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HubError } from '../errors.js';
import type { Store } from '../store/store.js';
import { requireAccess, type Identity } from './access.js';
import { chunkRouteAction, handleChunkApi } from './chunks.js';
import { HttpError, toHttpError } from './http-error.js';
import { readJsonBody } from './http-util.js';
import type { JobRunner } from './hf-commit.js';
import { BATCH_BODY_LIMIT, BATCH_JSON_LIMITS, handleBatch, handleDownload, handleUpload, handleVerify, LFS_MEDIA_TYPE, type LfsContext } from './lfs.js';
import { handleLocks, lockAccess, lockRoute } from './lfs-locks.js';
import type { Metadata, RepoRecord } from './metadata.js';
import type { sendBufferPool } from './send-range.js';
import type { UploadGrants } from './upload-grant.js';
import { xetBatchActions } from './xet-access.js';
import type { XetTokens } from './xet-tokens.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** A path below a repository: `[datasets/]OWNER/NAME[.git]/rest...`. */
export interface RepoPath {
  type: 'model' | 'dataset';
  owner: string;
  name: string;
  rest: string[];
}

/** The repository a decoded path names and what follows it; undefined when it names none. */
export function parseRepoPath(pathname: string): RepoPath | undefined {
  const seg = pathname.split('/').filter((s) => s !== '');
  let type: 'model' | 'dataset' = 'model';
  if (seg[0] === 'datasets') {
    type = 'dataset';
    seg.shift();
  }
  if (seg.length < 2) return undefined;
  const owner = seg[0];
  const name = seg[1].replace(/\.git$/, '');
  if (!NAME.test(owner) || !NAME.test(name) || name.endsWith('.git')) return undefined;
  return { type, owner, name, rest: seg.slice(2) };
}

/** What the LFS routes use of the server. */
export interface RepoLfsContext {
  store: Store;
  meta: Metadata;
  tmpDir: string;
  /** Whether hub-chunks and the Xet CAS are served (`hub serve --no-chunk-transfer` turns them off). */
  chunkTransfer: boolean;
  grants: UploadGrants;
  xetTokens: XetTokens | undefined;
  sendBuffers: ReturnType<typeof sendBufferPool>;
  /** Runs work on the server's worker pool, counted against the caller. */
  jobs: JobRunner;
  /** The server's base URL as the client reached it. */
  base: string;
}

/** Answers `rp`'s request if it is one of the LFS routes; false when it is none (the caller answers 404). */
export async function routeRepoLfs(req: IncomingMessage, res: ServerResponse, url: URL, rp: RepoPath, id: Identity, ctx: RepoLfsContext): Promise<boolean> {
  const { store, meta, tmpDir, chunkTransfer, grants, xetTokens, sendBuffers } = ctx;
  if (rp.rest[2] === 'cas' && rp.rest[3] === 'v1' && chunkTransfer) {
    const found = await meta.getRepo(rp.type, rp.owner, rp.name);
    const rest = rp.rest.slice(4);
    const action = chunkRouteAction(req.method ?? 'GET', rest);
    if (!action) throw new HttpError(405, `${req.method} is not supported here`, { Allow: rest[0] === 'xorbs' ? 'GET, HEAD, PUT' : rest[0] === 'reconstructions' ? 'GET, POST' : 'POST' });
    const repo = await requireAccess(meta, id, found, action, 'lfs');
    const prefix = `${rp.type === 'dataset' ? '/datasets' : ''}/${repo.owner}/${repo.name}.git/info/lfs/cas/v1`;
    return answered(handleChunkApi(req, res, { store, meta, repo, user: id.user, tmpDir, base: `${ctx.base}${prefix}`, jobs: ctx.jobs, sendBuffers }, rest));
  }
  if (rp.rest[2] === 'locks') {
    // the File Locking API (lfs-locks.ts): every answer, refusals too, in the LFS media type
    try {
      const found = await meta.getRepo(rp.type, rp.owner, rp.name);
      const locks = lockRoute(req.method ?? 'GET', rp.rest.slice(3));
      const accept = String(req.headers.accept ?? LFS_MEDIA_TYPE);
      if (!accept.includes('json') && !accept.includes('*/*')) throw new HttpError(406, `the LFS API answers ${LFS_MEDIA_TYPE}`);
      const repo = await requireAccess(meta, id, found, lockAccess(locks), 'lfs'); // before the body is read
      return await answered(handleLocks(req, res, locks, { meta, repo, user: id.user, query: url.searchParams }));
    } catch (err) {
      if (!(err instanceof HttpError || err instanceof HubError)) throw err; // logged as it is, answered 500
      const e = toHttpError(err);
      throw new HttpError(e.status, e.message, { ...e.headers, 'Content-Type': LFS_MEDIA_TYPE }, e.code);
    }
  }
  if (rp.rest[2] === 'objects') {
    const found = await meta.getRepo(rp.type, rp.owner, rp.name);
    const prefix = `${rp.type === 'dataset' ? '/datasets' : ''}/${rp.owner}/${rp.name}.git/info/lfs`;
    const lfs = (r: RepoRecord): LfsContext => ({
      store, meta, tmpDir, lfsBase: `${ctx.base}${prefix}`, repo: r, authorization: req.headers.authorization, chunkTransfer, grants, jobs: ctx.jobs, sendBuffers,
      ...(xetTokens ? { xet: xetBatchActions(xetTokens, r, id, ctx.base) } : {}),
    });
    const oid = rp.rest[3];
    if (rp.rest.length === 4 && oid === 'batch' && req.method !== 'POST') throw new HttpError(405, `${req.method} is not supported here`, { Allow: 'POST' });
    if (rp.rest.length === 4 && oid === 'batch' && req.method === 'POST') {
      const accept = String(req.headers.accept ?? LFS_MEDIA_TYPE);
      if (!accept.includes('json') && !accept.includes('*/*')) throw new HttpError(406, `the LFS API answers ${LFS_MEDIA_TYPE}`);
      // read access before the body is read: a caller who may not see the repository is
      // refused without it; write access once the body says it is an upload
      const repo = await requireAccess(meta, id, found, 'read', 'lfs');
      const body = await readJsonBody(req, BATCH_BODY_LIMIT, BATCH_JSON_LIMITS);
      if ((body as { operation?: unknown })?.operation === 'upload') await requireAccess(meta, id, repo, 'write', 'lfs');
      return answered(handleBatch(body, res, lfs(repo)));
    }
    if (oid && !/^[0-9a-f]{64}$/.test(oid)) throw new HttpError(422, 'invalid oid: expected 64 lowercase hex digits');
    if (rp.rest.length === 4 && (req.method === 'GET' || req.method === 'HEAD')) {
      return answered(handleDownload(req, res, lfs(await requireAccess(meta, id, found, 'read', 'lfs')), oid));
    }
    if (rp.rest.length === 4 && req.method === 'PUT') {
      const repo = found && grants.verify(found.id, oid, url.searchParams) ? found : await requireAccess(meta, id, found, 'write', 'lfs');
      return answered(handleUpload(req, res, lfs(repo), oid));
    }
    if (rp.rest.length === 5 && rp.rest[4] === 'verify' && req.method === 'POST') {
      return answered(handleVerify(req, res, lfs(await requireAccess(meta, id, found, 'write', 'lfs')), oid));
    }
    throw new HttpError(405, `${req.method} is not supported here`, { Allow: rp.rest.length === 5 ? 'POST' : 'GET, HEAD, PUT' });
  }
  return false;
}

/** true, once `work` is done: the route answered. */
async function answered(work: unknown): Promise<true> {
  await work;
  return true;
}
