/**
 * The server side of the `hub-chunks` transfer (docs/protocol.md), under
 * `<repo>.git/info/lfs/cas/v1/`: ask which chunks are missing, upload verified xorbs, register
 * a file manifest (the server reassembles and checks it before the repository holds the oid),
 * read a file's reconstruction (terms with xorb byte ranges) and fetch xorb ranges.
 *
 * Visibility (docs/protocol.md, chunk-visibility.ts): the store is shared by every repository,
 * but a xorb GET serves only byte ranges of chunks this repository's manifests reference, a
 * manifest may name only chunks its writer can read, and no answer tells a caller whether
 * content they cannot read exists: `chunks/missing` counts such chunks as missing, a xorb PUT
 * verifies every byte and answers alike whether the store had the xorb, and every refusal is
 * the one a missing xorb gets.
 */
import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FormatError, IntegrityError } from '../errors.js';
import { termsInRange } from '../formats/manifest.js';
import { CHUNK_HEADER_BYTES, XORB_MAX_BYTES, XORB_MAX_CHUNKS } from '../formats/xorb.js';
import type { Store } from '../store/store.js';
import { coversChunks, type ChunkRuns } from './chunk-visibility.js';
import type { JobRunner } from './hf-commit.js';
import { holdObject } from './hold-object.js';
import { receiveFile } from './receive-file.js';
import { HttpError, readBody, readJsonBody, sendJson } from './http-util.js';
import { toHttpError } from './http-error.js';
import { REGISTRATION_RENEW_MS } from './registrations.js';
import { parseRange } from './lfs.js';
import { sendRange } from './send-range.js';
import type { BufferPool } from '../fs/buffer-pool.js';
import type { Metadata, RepoRecord, User } from './metadata.js';

/** The transfer name clients list in a batch request. */
export const CHUNK_TRANSFER = 'hub-chunks';
const HEX64 = /^[0-9a-f]{64}$/;
const MAX_XORB_UPLOAD = XORB_MAX_BYTES + XORB_MAX_CHUNKS * CHUNK_HEADER_BYTES;

/** What the chunk API handlers need. */
export interface ChunkContext {
  store: Store;
  meta: Metadata;
  repo: RepoRecord;
  /** The caller (always there for the write routes, which need a write token). */
  user?: User;
  tmpDir: string;
  /** Absolute URL of this repository's chunk API, e.g. http://host/acme/llama.git/info/lfs/cas/v1 */
  base: string;
  /** Runs hashing and reassembly on the server's worker threads. */
  jobs: JobRunner;
  /** The server's buffers for xorb downloads (send-range.ts); without it, each download has its own. */
  sendBuffers?: BufferPool;
}

/** Which routes need write access (the caller checks access before calling `handleChunkApi`). */
export function chunkRouteAction(method: string, rest: readonly string[]): 'read' | 'write' | undefined {
  const [kind, arg, extra] = rest;
  if (kind === 'chunks' && arg === 'missing' && !extra && method === 'POST') return 'write';
  if (kind === 'xorbs' && arg && !extra && method === 'PUT') return 'write';
  if (kind === 'xorbs' && arg && !extra && (method === 'GET' || method === 'HEAD')) return 'read';
  if (kind === 'reconstructions' && arg && !extra && method === 'POST') return 'write';
  if (kind === 'reconstructions' && arg && !extra && method === 'GET') return 'read';
  return undefined;
}

/** Serves one chunk API request (`rest` = path segments after `cas/v1`). */
export async function handleChunkApi(req: IncomingMessage, res: ServerResponse, ctx: ChunkContext, rest: readonly string[]): Promise<void> {
  const [kind, arg] = rest;
  if (kind !== 'chunks' && !HEX64.test(arg ?? '')) throw new HttpError(422, `invalid ${kind === 'xorbs' ? 'xorb hash' : 'oid'}: expected 64 lowercase hex digits`);
  try {
    if (kind === 'chunks') return await missing(req, res, ctx);
    if (kind === 'xorbs' && req.method === 'PUT') return await putXorb(req, res, ctx, arg);
    if (kind === 'xorbs') return await getXorb(req, res, ctx, arg);
    if (req.method === 'POST') return await putReconstruction(req, res, ctx, arg);
    return await getReconstruction(req, res, ctx, arg);
  } catch (err) {
    throw asHttpError(err);
  }
}

/** A failed check of what a client sent is 422 (the other errors as everywhere: http-error.ts). */
function asHttpError(err: unknown): unknown {
  return err instanceof IntegrityError || err instanceof FormatError ? new HttpError(422, err.message, {}, err.code) : err;
}

async function missing(req: IncomingMessage, res: ServerResponse, ctx: ChunkContext): Promise<void> {
  const body = (await readJsonBody(req, 8 << 20)) as { chunks?: unknown; xorbs?: unknown };
  if (!isHashList(body?.chunks)) throw new HttpError(422, '"chunks" must be an array of at most 100000 chunk hashes (64 hex digits, Xet form)');
  if (body.xorbs !== undefined && !isHashList(body.xorbs)) throw new HttpError(422, '"xorbs" must be an array of at most 100000 xorb hashes (64 hex digits, Xet form)');
  const readable = readableBy(ctx, writer(ctx));
  // a stored chunk the caller cannot read is "missing": they upload it (and so prove they have it)
  const hashes = body.chunks;
  // one index look-up per hash: on a worker (none for a question about whole xorbs alone)
  const found = hashes.length ? await ctx.jobs('locateChunks', { hashes }) : [];
  const missingHashes: string[] = [];
  for (let i = 0; i < hashes.length; i++) {
    const at = found[i];
    if (!at || !coversChunks(await readable(at.xorb), at.index, at.index + 1)) missingHashes.push(hashes[i]);
  }
  if (body.xorbs === undefined) return sendJson(res, 200, { missing: missingHashes });
  // whole xorbs the caller may name every chunk of: a client asks these first and its chunks only
  // for the rest, so a new revision costs a question per xorb, not per chunk of the file
  const asked = body.xorbs;
  const counts = await ctx.jobs('xorbChunkCounts', { xorbs: asked });
  const held: string[] = [];
  for (let i = 0; i < asked.length; i++) {
    const n = counts[i];
    if (n !== null && coversChunks(await readable(asked[i]), 0, n)) held.push(asked[i]);
  }
  sendJson(res, 200, { missing: missingHashes, held });
}

function isHashList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= 100_000 && v.every((h) => typeof h === 'string' && HEX64.test(h));
}

function writer(ctx: ChunkContext): User {
  if (!ctx.user) throw new HttpError(401, 'authentication required');
  return ctx.user;
}

/** The chunks of a xorb `user` may name (chunk-visibility.ts), looked up once per xorb. */
function readableBy(ctx: ChunkContext, user: User): (xorb: string) => Promise<ChunkRuns> {
  const known = new Map<string, ChunkRuns>();
  return async (xorb) => {
    let runs = known.get(xorb);
    if (!runs) known.set(xorb, (runs = await ctx.meta.visibility.readableChunks(user, xorb)));
    return runs;
  };
}

async function putXorb(req: IncomingMessage, res: ServerResponse, ctx: ChunkContext, xorb: string): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (!Number.isSafeInteger(declared)) throw new HttpError(411, 'a xorb upload needs a Content-Length header');
  if (declared > MAX_XORB_UPLOAD) throw new HttpError(413, `xorb too large: ${declared} bytes (limit ${MAX_XORB_UPLOAD})`);
  const user = writer(ctx);
  // received and verified in full even when the store has it: the answer must not tell, and the
  // verified bytes are what lets this user name the xorb's chunks (chunk-visibility.ts)
  const tmp = await receiveFile(req, ctx.tmpDir, 'xorb upload', MAX_XORB_UPLOAD);
  try {
    const r = await ctx.jobs('importXorb', { tmp, xorb }); // verifies every chunk and the xorb hash; removes tmp
    await ctx.meta.visibility.recordUpload(user.id, xorb);
    sendJson(res, 200, { xorb, chunks: r.chunks, bytes: r.bytes });
  } finally {
    rmSync(tmp, { force: true });
  }
}

const XORB_NOT_FOUND = 'xorb not found in this repository';

/**
 * GET/HEAD of this repository's view of a xorb: its bytes up to the end of the last chunk record
 * the repository's manifests reference (`viewEnd`, the size in every header), of which only the
 * referenced records can be read. A request touching any other byte answers exactly as a xorb
 * that is not here, so a caller learns nothing about the rest: not its bytes, not its length.
 */
async function getXorb(req: IncomingMessage, res: ServerResponse, ctx: ChunkContext, xorb: string): Promise<void> {
  const size = await ctx.meta.visibility.viewEnd(ctx.repo.id, xorb);
  if (size === 0) throw new HttpError(404, XORB_NOT_FOUND);
  const range = parseRange(req.headers.range, size);
  const start = range?.start ?? 0;
  const end = range?.end ?? size;
  if (!(await ctx.meta.visibility.serves(ctx.repo.id, xorb, start, end))) throw new HttpError(404, XORB_NOT_FOUND);
  let handle;
  try {
    handle = await ctx.store.xorbs.openAsync(xorb);
  } catch (err) {
    if ((err as { code?: string }).code === 'missing_xorb') throw new HttpError(404, XORB_NOT_FOUND);
    throw err;
  }
  try {
    res.writeHead(range ? 206 : 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': end - start,
      'Accept-Ranges': 'bytes',
      ...(range ? { 'Content-Range': `bytes ${start}-${end - 1}/${size}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    // a local file is read in place (a pread per piece), object storage by one ranged GET
    const read = handle.remote ? (buf: Buffer, at: number) => handle.readAsync(buf, at, end) : (buf: Buffer, at: number) => handle.read(buf, at);
    if (!(await sendRange(res, read, start, end, ctx.sendBuffers))) return;
    res.end();
  } finally {
    handle.close();
  }
}

async function putReconstruction(req: IncomingMessage, res: ServerResponse, ctx: ChunkContext, oid: string): Promise<void> {
  // parsed and validated on a worker: a manifest may hold 100,000 terms (megabytes of JSON)
  const body = await readBody(req, 16 << 20);
  const manifest = await ctx.jobs('readManifestBody', { body });
  if (manifest.oid !== oid) throw new HttpError(422, `the manifest describes ${manifest.oid}, not ${oid}`);
  if (await ctx.meta.hasObject(ctx.repo.id, oid)) return sendJson(res, 200, { oid, size: manifest.size });
  await checkReadable(ctx, writer(ctx), manifest.runs);
  // checks the Xet hash (from the index) and streams the sha256 over the xorbs, on a worker
  const register = async () => {
    const { wrote, ranges } = await ctx.jobs('registerManifestBody', { body });
    await holdObject(ctx.meta, ctx.repo.id, oid, manifest.size, wrote, ranges);
  };
  if (!acceptsNdjson(req)) {
    await register();
    return sendJson(res, 200, { oid, size: manifest.size });
  }
  // A client that reads NDJSON is told at once that the registration runs, under a mark the
  // pre-receive hook waits for (registrations.ts), and sends its pack meanwhile; the outcome is
  // the second line. The object is held before the mark goes.
  const mark = await ctx.meta.registrations.begin(ctx.repo.id, oid);
  const renew = setInterval(() => void ctx.meta.registrations.renew(mark).catch(() => {}), REGISTRATION_RENEW_MS);
  let outcome: unknown;
  let retriable = false;
  try {
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
    res.write(`${JSON.stringify({ registering: oid })}\n`);
    await register();
    outcome = { oid, size: manifest.size };
  } catch (err) {
    const e = toHttpError(asHttpError(err));
    const retryAfter = Number(e.headers['Retry-After']);
    retriable = e.status >= 500 || e.status === 429;
    outcome = { status: e.status, error: e.message, message: e.message, ...(e.code ? { code: e.code } : {}), ...(retryAfter >= 0 ? { retryAfter } : {}) };
  } finally {
    clearInterval(renew);
    // A failure the client retries (5xx, 429) leaves its mark, no longer renewed: the hook, which
    // may hold the pack sent after the first line, waits for the retry's registration instead of
    // refusing the push in between; without a retry the mark goes stale (REGISTRATION_STALE_MS)
    // and the hook refuses then. Any other outcome removes it at once.
    if (!retriable) await ctx.meta.registrations.end(mark).catch(() => {}); // a mark left behind goes stale
  }
  res.end(`${JSON.stringify(outcome)}\n`);
}

/** True when the request's Accept names NDJSON (docs/protocol.md: a registration answered in two lines). */
function acceptsNdjson(req: IncomingMessage): boolean {
  return /(^|,)\s*application\/x-ndjson\s*(;|,|$)/i.test(req.headers.accept ?? '');
}

/**
 * Refuses a manifest naming chunks `user` cannot read (neither in a xorb they uploaded nor served
 * by a repository they may read), before any xorb is opened: the refusal is the same whether the
 * xorb or chunk exists or not, and names only what the manifest said.
 */
async function checkReadable(ctx: ChunkContext, user: User, runs: readonly { xorb: string; chunkStart: number; chunkEnd: number }[]): Promise<void> {
  const readable = readableBy(ctx, user);
  for (const t of runs) {
    if (!coversChunks(await readable(t.xorb), t.chunkStart, t.chunkEnd)) {
      throw new HttpError(422, 'the manifest names chunks that are not on the server: upload their xorbs first', {}, 'missing_chunk');
    }
  }
}

/**
 * A file's terms with their xorb ranges and chunk hashes. With `Range: bytes=A-B` (of the file),
 * only the terms holding any of those bytes, and `offset`, the file byte where the first of them
 * starts: a client reads a large file's reconstruction a window at a time instead of holding all
 * of it (every chunk hash of a 100 GiB file is ~110 MB of JSON).
 */
async function getReconstruction(req: IncomingMessage, res: ServerResponse, ctx: ChunkContext, oid: string): Promise<void> {
  const manifest = (await ctx.meta.hasObject(ctx.repo.id, oid)) ? await ctx.store.manifests.readAsync(oid) : undefined;
  if (!manifest) throw new HttpError(404, 'object does not exist on the server');
  const range = parseRange(req.headers.range, manifest.size);
  const window = range ? termsInRange(manifest.terms, range.start, range.end) : { terms: manifest.terms, offset: 0 };
  // reads the headers of every xorb the window names: on a worker
  const terms = (await ctx.jobs('fetchTerms', { manifest: { ...manifest, terms: window.terms } })).map((t) => ({ ...t, url: `${ctx.base}/xorbs/${t.xorb}` }));
  sendJson(res, 200, { oid, size: manifest.size, xetHash: manifest.xetHash, offset: window.offset, terms });
}
