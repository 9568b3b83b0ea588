/**
 * The Git LFS side of `hub serve`: the Batch API (`POST <repo>.git/info/lfs/objects/batch`) with
 * the `basic` transfer (`hub-chunks`: chunks.ts; `xet`: xetBatch below and xet-cas.ts), and the
 * object endpoints its `basic` actions point at: PUT (upload), GET
 * (download, with Range) and POST …/verify. Uploaded bytes stream to a temporary file while
 * their size is checked, are then hashed and chunked into the server's content store on a worker
 * (so identical and similar objects share chunks across all repositories), and only once their
 * sha256 is the oid recorded as held by the repository: an interrupted or wrong upload leaves
 * nothing visible.
 */
import { rmSync } from 'node:fs';
import { once } from 'node:events';
import { IntegrityError } from '../errors.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../store/store.js';
import { holdObject } from './hold-object.js';
import type { JobRunner } from './hf-commit.js';
import { HttpError, readJsonBody } from './http-util.js';
import type { Metadata, RepoRecord } from './metadata.js';
import type { UploadGrants } from './upload-grant.js';
import { receiveFile } from './receive-file.js';
import { sendObject } from './send-object.js';
import type { BufferPool } from '../fs/buffer-pool.js';

/** The media type of LFS API requests and responses. */
export const LFS_MEDIA_TYPE = 'application/vnd.git-lfs+json';
/** 10,000 objects of about 100 bytes each, with room to spare. */
const BATCH_LIMIT = 2 << 20;
/** What a batch body may hold (json-scan.ts): a few values per object. */
export const BATCH_JSON_LIMITS = { maxDepth: 8, maxValues: 100_000 };
const OID_RE = /^[0-9a-f]{64}$/;

/** What an LFS handler needs. */
export interface LfsContext {
  store: Store;
  meta: Metadata;
  /** Where uploads wait while they are checked. */
  tmpDir: string;
  /** Absolute base URL of this repository's LFS endpoint, e.g. http://127.0.0.1:8080/acme/llama.git/info/lfs */
  lfsBase: string;
  repo: RepoRecord;
  /** The request's Authorization header, echoed in actions so clients authenticate their transfers. */
  authorization?: string;
  /** Offer the `hub-chunks` transfer (docs/protocol.md) to clients that ask for it. */
  chunkTransfer: boolean;
  /** Presigns `basic` upload hrefs (HF clients PUT without the action's header: upload-grant.ts). */
  grants?: UploadGrants;
  /** Runs O(file) work (chunking an upload into the store) on the server's worker threads. */
  jobs: JobRunner;
  /** The server's send buffers: a download's bytes are read into them (send-object.ts). */
  sendBuffers: BufferPool;
  /** Offers the `xet` transfer (xet-batch.ts): the Xet CAS action of an upload or a download. */
  xet?: XetBatchActions;
}

/** The actions of the `xet` transfer, for one repository and caller. */
export interface XetBatchActions {
  /** `href` (the Xet token route, which clients call to refresh) and `header` (CAS URL, token, expiry; `X-Xet-Hash` for a download). */
  action(operation: 'upload' | 'download', ref: string | undefined, xetHash?: string): { href: string; header: Record<string, string>; expires_in: number };
}

interface BatchObject {
  oid: string;
  size: number;
}

function lfsJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': LFS_MEDIA_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The transfers this server can answer with. */
export type BatchTransfer = 'xet' | 'hub-chunks' | 'basic';

/**
 * Parses and validates a batch request body; `transfer` is the adapter chosen for the response:
 * `hub-chunks` when the client lists it before `xet` (only hub lists it: hub's own protocol is
 * its first choice against hub serve, docs/protocol.md), else `xet` when the client lists it in
 * any place (HF's clients list `basic` first and still mean Xet), else `hub-chunks`, else `basic`,
 * each only when the server offers it (`xet`, `chunkTransfer`). `ref` is the branch the client
 * named, if any.
 */
export function parseBatchRequest(body: unknown, chunkTransfer = false, xet = false): { operation: 'upload' | 'download'; objects: unknown[]; transfer: BatchTransfer; ref?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(422, 'batch request must be a JSON object');
  const b = body as Record<string, unknown>;
  if (b.operation !== 'upload' && b.operation !== 'download') throw new HttpError(422, `unknown operation ${JSON.stringify(b.operation)}: expected "upload" or "download"`);
  if (!Array.isArray(b.objects)) throw new HttpError(422, 'batch request needs an "objects" array');
  if (b.objects.length > 10_000) throw new HttpError(413, 'too many objects in one batch (limit 10000)');
  if (b.hash_algo !== undefined && b.hash_algo !== 'sha256' && b.hash_algo !== 'sha_256') {
    throw new HttpError(409, `unsupported hash_algo ${JSON.stringify(b.hash_algo)}: this server uses sha256`);
  }
  const offered = b.transfers === undefined ? ['basic'] : b.transfers;
  if (!Array.isArray(offered)) throw new HttpError(422, '"transfers" must be an array');
  const chunksFirst = chunkTransfer && offered.includes('hub-chunks') && (!offered.includes('xet') || offered.indexOf('hub-chunks') < offered.indexOf('xet'));
  const transfer = chunksFirst ? 'hub-chunks' : xet && offered.includes('xet') ? 'xet' : chunkTransfer && offered.includes('hub-chunks') ? 'hub-chunks' : offered.includes('basic') ? 'basic' : undefined;
  if (!transfer) throw new HttpError(422, `no supported transfer adapter: this server offers ${xet ? '"xet", ' : ''}${chunkTransfer ? '"hub-chunks" and ' : ''}"basic"`);
  const ref = (b.ref as { name?: unknown } | undefined)?.name;
  return { operation: b.operation, objects: b.objects, transfer, ...(typeof ref === 'string' && ref.length > 0 && ref.length <= 1024 ? { ref } : {}) };
}

function validObject(o: unknown): o is BatchObject {
  const x = o as BatchObject;
  return typeof x === 'object' && x !== null && typeof x.oid === 'string' && OID_RE.test(x.oid) && Number.isSafeInteger(x.size) && x.size >= 0;
}

/** The limit on a batch request body. */
export const BATCH_BODY_LIMIT = BATCH_LIMIT;

/**
 * POST …/objects/batch, with the body already read: the caller checks read access before reading
 * it (with BATCH_BODY_LIMIT and BATCH_JSON_LIMITS) and write access after, for uploads.
 */
export async function handleBatch(body: unknown, res: ServerResponse, ctx: LfsContext): Promise<void> {
  const { operation, objects, transfer, ref } = parseBatchRequest(body, ctx.chunkTransfer, ctx.xet !== undefined);
  if (transfer === 'xet') return xetBatch(operation, objects, ref, res, ctx);
  const held = await ctx.meta.objectSizes(ctx.repo.id, objects.filter(validObject).map((o) => o.oid));
  const header = ctx.authorization ? { Authorization: ctx.authorization } : undefined;
  const action = (href: string) => ({ href, ...(header ? { header } : {}), expires_in: 3600 });
  const out = objects.map((o) => {
    if (!validObject(o)) return invalidObject(o);
    const has = held.has(o.oid);
    const href = transfer === 'hub-chunks' ? `${ctx.lfsBase}/cas/v1` : `${ctx.lfsBase}/objects/${o.oid}`;
    if (operation === 'download') {
      if (!has) return { oid: o.oid, size: o.size, error: { code: 404, message: 'object does not exist on the server' } };
      const size = held.get(o.oid) ?? o.size;
      return { oid: o.oid, size, authenticated: true, actions: { download: action(href) } };
    }
    if (has) return { oid: o.oid, size: o.size }; // already there: nothing to upload
    if (transfer === 'hub-chunks') return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: action(href) } };
    const signed = ctx.grants ? `${href}?${ctx.grants.sign(ctx.repo.id, o.oid)}` : href;
    return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: action(signed), verify: action(`${href}/verify`) } };
  });
  lfsJson(res, 200, { transfer, objects: out, hash_algo: 'sha256' });
}

function invalidObject(o: unknown) {
  const x = o as Partial<BatchObject>;
  return { oid: typeof x?.oid === 'string' ? x.oid.slice(0, 64) : '', size: typeof x?.size === 'number' ? x.size : 0, error: { code: 422, message: 'invalid object: oid must be 64 lowercase hex digits and size a non-negative integer' } };
}

/**
 * The batch answer of the `xet` transfer, in the shape @huggingface/hub reads (Hugging Face's):
 * an object to upload gets `actions.upload` whose `href` is the Xet write-token route (the client
 * calls it again when its token runs out) and whose `header` holds `X-Xet-Cas-Url`,
 * `X-Xet-Access-Token`, `X-Xet-Token-Expiration` (unix seconds) and `X-Xet-Session-Id`; an
 * object the repository holds gets none. A download gets the read-token route and header, with
 * `X-Xet-Hash`, the object's Xet file hash (read from the store's manifests on a worker).
 */
async function xetBatch(operation: 'upload' | 'download', objects: unknown[], ref: string | undefined, res: ServerResponse, ctx: LfsContext): Promise<void> {
  const xet = ctx.xet!;
  const sizes = await ctx.meta.objectSizes(ctx.repo.id, objects.filter(validObject).map((o) => o.oid));
  const held = objects.map((o) => validObject(o) && sizes.has(o.oid));
  const wanted = operation === 'download' ? objects.filter((o, i): o is BatchObject => held[i]).map((o) => o.oid) : [];
  const hashes = wanted.length > 0 ? await ctx.jobs('xetHashes', { oids: wanted }) : {};
  let upload: ReturnType<XetBatchActions['action']> | undefined;
  const out = objects.map((o, i) => {
    if (!validObject(o)) return invalidObject(o);
    if (operation === 'download') {
      const xetHash = hashes[o.oid];
      if (!held[i] || !xetHash) return { oid: o.oid, size: o.size, error: { code: 404, message: 'object does not exist on the server' } };
      const size = sizes.get(o.oid) ?? o.size;
      return { oid: o.oid, size, authenticated: true, actions: { download: xet.action('download', ref, xetHash) } };
    }
    if (held[i]) return { oid: o.oid, size: o.size };
    upload ??= xet.action('upload', ref);
    return { oid: o.oid, size: o.size, authenticated: true, actions: { upload } };
  });
  lfsJson(res, 200, { transfer: 'xet', objects: out, hash_algo: 'sha256' });
}

/** PUT …/objects/<oid>: the whole object, checked against oid and Content-Length before it becomes visible. */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, ctx: LfsContext, oid: string): Promise<void> {
  const declared = req.headers['content-length'];
  if (declared === undefined || !/^\d+$/.test(declared)) throw new HttpError(411, 'upload needs a Content-Length header');
  const size = Number(declared);
  if (await ctx.meta.hasObject(ctx.repo.id, oid)) {
    req.resume();
    await once(req, 'end');
    res.writeHead(200).end();
    return;
  }
  // the bytes land in the server's tmp directory unsynced: the add below writes and syncs xorbs of its own
  const tmp = await receiveFile(req, ctx.tmpDir, 'upload', Number.MAX_SAFE_INTEGER, { syncAsWritten: false });
  try {
    // the bytes are hashed and chunked into the shared store (global dedup) on a worker, never on
    // the event loop, and refused before any manifest names them when they are not the oid; the
    // repository may then serve exactly the chunk records of this object (hold-object.ts)
    let added;
    try {
      added = await ctx.jobs('addFile', { path: tmp, expectSha256: oid });
    } catch (err) {
      if (err instanceof IntegrityError && err.code === 'hash_mismatch') throw new HttpError(422, `uploaded bytes hash to ${String(err.data?.actual)}, not to the oid ${oid}`);
      throw err;
    }
    await holdObject(ctx.meta, ctx.repo.id, oid, size, !added.alreadyStored, added.ranges);
    res.writeHead(200).end();
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** POST …/objects/<oid>/verify: 200 when the repository holds the object with that size. */
export async function handleVerify(req: IncomingMessage, res: ServerResponse, ctx: LfsContext, oid: string): Promise<void> {
  const body = (await readJsonBody(req, 64 << 10, { maxDepth: 4, maxValues: 100 })) as Partial<BatchObject>;
  const size = await ctx.meta.objectSize(ctx.repo.id, oid);
  if (size === undefined) throw new HttpError(404, 'object does not exist on the server');
  if (body?.oid !== undefined && body.oid !== oid) throw new HttpError(422, 'verify body names another oid');
  if (body?.size !== undefined && body.size !== size) throw new HttpError(422, `object size is ${size}, not ${body.size}`);
  lfsJson(res, 200, { oid, size });
}

/** Parses a single `bytes=a-b` range against `size` (undefined: whole object; 416 when unsatisfiable). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw new HttpError(416, `unsupported Range ${JSON.stringify(header)}`, { 'Content-Range': `bytes */${size}` });
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  }
  if (start >= size || end <= start) throw new HttpError(416, `range ${header} is outside the object (${size} bytes)`, { 'Content-Range': `bytes */${size}` });
  return { start, end };
}

/** GET …/objects/<oid>: the object's bytes from the content store, with Range support and backpressure. */
export async function handleDownload(req: IncomingMessage, res: ServerResponse, ctx: LfsContext, oid: string): Promise<void> {
  const size = await ctx.meta.objectSize(ctx.repo.id, oid);
  const manifest = size === undefined ? undefined : await ctx.store.manifests.readAsync(oid);
  if (size === undefined || !manifest) throw new HttpError(404, 'object does not exist on the server');
  const range = parseRange(req.headers.range, manifest.size);
  const length = range ? range.end - range.start : manifest.size;
  res.writeHead(range ? 206 : 200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': length,
    'Accept-Ranges': 'bytes',
    ETag: `"${oid}"`,
    ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end - 1}/${manifest.size}` } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await sendObject(res, ctx.store, manifest, range, ctx.sendBuffers); // a damaged object is cut short (headers are gone)
}
