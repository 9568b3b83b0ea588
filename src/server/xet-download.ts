/**
 * The read half of hub serve's Xet CAS (docs/protocol.md "Xet"): file reconstructions (v1 and
 * v2, with `Range`), the signed fetch URLs they hand out (one Range value of one xorb as one
 * repository serves it, multi-range answers as `multipart/byteranges`), `HEAD /v1/files/HASH`,
 * `HEAD /v1/xorbs/default/HASH` and the global dedup query.
 *
 * Visibility (chunk-visibility.ts): a reconstruction answers only for a file the token's
 * repository holds, and its fetch URLs read only byte ranges that repository serves; the dedup
 * query answers only for a chunk the caller may read, and describes only chunks they may read
 * (store/xet-dedup.ts). Everything else is the 404 of something that does not exist.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { XORB_MAX_CHUNKS } from '../formats/xorb.js';
import type { XorbHandle } from '../store/xorb-backend.js';
import { coversChunks } from './chunk-visibility.js';
import { HttpError, sendJson } from './http-util.js';
import { sendRange } from './send-range.js';
import { XET_CAS_PATH, type CasCaller } from './xet-access.js';
import type { XetCasContext } from './xet-cas-context.js';
import { parseSignedRanges, rangeHeaderOf, type FetchRun, type ReconstructionPlan } from './xet-reconstruction.js';

const FILE_NOT_FOUND = 'file not found';
/** Ranges per fetch URL of a v2 answer (the spec splits past about 500, for the URL's length). */
const RANGES_PER_URL = 200;

/**
 * hub's extension of the reconstruction answer (docs/protocol.md "Chunk hashes in a
 * reconstruction"): a request with this header set to `1` gets, in each term, `hub_chunks`:
 * `{"hashes": [...], "lengths": [...]}` of the term's chunks, so that a client can tell which
 * chunks it has without fetching them (`hub diff`). Other clients never send it, and pay nothing.
 */
const CHUNK_HASHES_HEADER = 'x-hub-chunk-hashes';

/** The manifest of the file `fileHash` names, if the caller's repository holds it. */
async function heldManifest(ctx: XetCasContext, caller: CasCaller, fileHash: string) {
  const oid = await ctx.store.xetFiles.oidOfFile(fileHash); // the bucket's entry with S3 storage: any server's registration
  const manifest = oid && (await ctx.meta.hasObject(caller.repo.id, oid)) ? await ctx.store.manifests.readAsync(oid) : undefined;
  if (!manifest) throw new HttpError(404, FILE_NOT_FOUND);
  return manifest;
}

/** Bytes [start, end) a reconstruction `Range` asks of a file of `size` bytes (416 when it starts past the end). */
function fileRange(header: string | undefined, size: number): { start: number; end: number } {
  if (!header) return { start: 0, end: size };
  const m = /^\s*bytes=(\d{1,15})-(\d{0,15})\s*$/.exec(header);
  if (!m) throw new HttpError(400, `unsupported Range ${JSON.stringify(header)}: expected bytes=START-END`);
  const start = Number(m[1]);
  const end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  if (start >= size || end <= start) throw new HttpError(416, `range ${header} is outside the file (${size} bytes)`, { 'Content-Range': `bytes */${size}` });
  return { start, end };
}

/** The answer's terms (with `hub_chunks` when the plan carries chunk hashes). */
function termsOf(plan: ReconstructionPlan) {
  return plan.terms.map((t) => ({ hash: t.xorb, unpacked_length: t.unpacked, range: { start: t.chunkStart, end: t.chunkEnd }, ...(t.chunks ? { hub_chunks: t.chunks } : {}) }));
}

/** GET /v1/reconstructions/HASH and /v2/reconstructions/HASH. */
export async function getReconstruction(req: IncomingMessage, res: ServerResponse, ctx: XetCasContext, caller: CasCaller, fileHash: string, version: 1 | 2): Promise<void> {
  const manifest = await heldManifest(ctx, caller, fileHash);
  const { start, end } = fileRange(req.headers.range, manifest.size);
  const chunkHashes = req.headers[CHUNK_HASHES_HEADER] === '1';
  const plan = await ctx.jobs('xetReconstruction', { manifest, start, end, chunkHashes }); // reads xorb headers (and the index): on a worker
  const presign = ctx.presignedDownloads ? ctx.store.xorbs.presignRange?.bind(ctx.store.xorbs) : undefined;
  if (presign) return sendPresigned(res, plan, version, (xorb, r) => presign(xorb, r.byteStart, r.byteEnd, ctx.tokens.ttlSeconds));
  const url = (xorb: string, runs: readonly FetchRun[]) => `${ctx.base}${XET_CAS_PATH}/fetch/${xorb}?${ctx.tokens.signFetch(caller.repo.id, xorb, rangeHeaderOf(runs))}`;
  const terms = termsOf(plan);
  const runsOf = (r: FetchRun) => ({ chunks: { start: r.chunkStart, end: r.chunkEnd }, bytes: { start: r.byteStart, end: r.byteEnd - 1 } });
  if (version === 2) {
    const xorbs: Record<string, Array<{ url: string; ranges: unknown[] }>> = {};
    for (const [xorb, runs] of plan.fetch) {
      xorbs[xorb] = [];
      for (let i = 0; i < runs.length; i += RANGES_PER_URL) {
        const part = runs.slice(i, i + RANGES_PER_URL);
        xorbs[xorb].push({ url: url(xorb, part), ranges: part.map(runsOf) });
      }
    }
    return sendJson(res, 200, { offset_into_first_range: plan.offsetIntoFirstRange, terms, xorbs });
  }
  const fetchInfo: Record<string, unknown[]> = {};
  for (const [xorb, runs] of plan.fetch) {
    fetchInfo[xorb] = runs.map((r) => ({ range: { start: r.chunkStart, end: r.chunkEnd }, url: url(xorb, [r]), url_range: { start: r.byteStart, end: r.byteEnd - 1 } }));
  }
  sendJson(res, 200, { offset_into_first_range: plan.offsetIntoFirstRange, terms, fetch_info: fetchInfo });
}

/**
 * The reconstruction with a presigned URL of the object store per fetch run (one range each: S3
 * serves one range per GET), so the bytes go from the bucket to the client. The visibility rule
 * holds as for the server's fetch URLs: the plan names only runs of the manifest of a file the
 * caller's repository holds (the ranges that repository serves), and each URL reads exactly its
 * run (its Range is signed). Unlike a server fetch URL, the service does not ask the metadata
 * again at fetch time: access withdrawn meanwhile takes effect when the URL expires.
 */
async function sendPresigned(res: ServerResponse, plan: ReconstructionPlan, version: 1 | 2, presign: (xorb: string, run: FetchRun) => Promise<string>): Promise<void> {
  const terms = termsOf(plan);
  const signed = await Promise.all([...plan.fetch].map(async ([xorb, runs]) => ({ xorb, runs: await Promise.all(runs.map(async (r) => ({ r, url: await presign(xorb, r) }))) })));
  if (version === 2) {
    const xorbs: Record<string, Array<{ url: string; ranges: unknown[] }>> = {};
    for (const { xorb, runs } of signed) xorbs[xorb] = runs.map(({ r, url }) => ({ url, ranges: [{ chunks: { start: r.chunkStart, end: r.chunkEnd }, bytes: { start: r.byteStart, end: r.byteEnd - 1 } }] }));
    return sendJson(res, 200, { offset_into_first_range: plan.offsetIntoFirstRange, terms, xorbs });
  }
  const fetchInfo: Record<string, unknown[]> = {};
  for (const { xorb, runs } of signed) fetchInfo[xorb] = runs.map(({ r, url }) => ({ range: { start: r.chunkStart, end: r.chunkEnd }, url, url_range: { start: r.byteStart, end: r.byteEnd - 1 } }));
  sendJson(res, 200, { offset_into_first_range: plan.offsetIntoFirstRange, terms, fetch_info: fetchInfo });
}

/** HEAD /v1/files/HASH: the file's size when the caller's repository holds it. */
export async function headFile(res: ServerResponse, ctx: XetCasContext, caller: CasCaller, fileHash: string): Promise<void> {
  const manifest = await heldManifest(ctx, caller, fileHash);
  res.writeHead(200, { 'Content-Length': manifest.size }).end();
}

/** HEAD /v1/xorbs/default/HASH: the size of the caller's view of the xorb (all of it when they uploaded it). */
export async function headXorb(res: ServerResponse, ctx: XetCasContext, caller: CasCaller, xorb: string): Promise<void> {
  const uploaded = caller.user !== undefined && (await ctx.meta.visibility.readableChunks(caller.user, xorb)) === 'all';
  const handle = await openXorb(ctx, xorb);
  let size: number;
  try {
    size = uploaded ? handle.size : await ctx.meta.visibility.viewEnd(caller.repo.id, xorb);
  } finally {
    handle.close();
  }
  if (size === 0) throw new HttpError(404, 'xorb not found');
  res.writeHead(200, { 'Content-Length': size }).end();
}

/** The stored xorb `xorb` (a local file, or an object of the bucket), or the 404 of a xorb that is not there. */
async function openXorb(ctx: XetCasContext, xorb: string): Promise<XorbHandle> {
  try {
    return await ctx.store.xorbs.openAsync(xorb);
  } catch (err) {
    if ((err as { code?: string }).code === 'missing_xorb') throw new HttpError(404, 'xorb not found');
    throw err;
  }
}

/**
 * GET /v1/chunks/{default-merkledb,default}/HASH: a shard describing the xorb holding the chunk
 * and, when the token's repository holds the file that chunk begins, that file's xorbs
 * (store/xet-dedup.ts), each as far as the caller may read it. Only a file of the caller's own
 * repository: which xorbs some other file uses is nothing to tell.
 */
export async function getDedup(res: ServerResponse, ctx: XetCasContext, caller: CasCaller, chunk: string): Promise<void> {
  const notTracked = () => new HttpError(404, 'chunk not tracked by global deduplication');
  const user = caller.user;
  if (!user) throw notTracked(); // dedup is for uploaders; an anonymous reader gets nothing
  const found = await ctx.jobs('xetDedupCandidates', { chunk });
  if (!found) throw notTracked();
  const own = found.file && (await ctx.meta.hasObject(caller.repo.id, found.file.oid)) ? found.file.xorbs : [];
  const readable = await Promise.all([found.xorb, ...own].map(async (xorb) => ({ xorb, runs: await ctx.meta.visibility.readableChunks(user, xorb) })));
  if (!coversChunks(readable[0].runs, found.index, found.index + 1)) throw notTracked(); // as if the chunk did not exist
  const xorbs = readable.map(({ xorb, runs }) => ({ xorb, runs: runs === 'all' ? [{ start: 0, end: XORB_MAX_CHUNKS }] : runs })).filter((x) => x.runs.length > 0);
  const shard = await ctx.jobs('xetDedupShard', { xorbs });
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': shard.length });
  res.end(Buffer.from(shard.buffer, shard.byteOffset, shard.byteLength));
}

const FETCH_DENIED = 'this fetch URL is invalid or expired, or the Range header asks for bytes outside the signed ranges: ask for the reconstruction again';

/**
 * GET|HEAD /fetch/XORB?X-Xet-Signed-Range=...&Expires=...&Repo=...&Signature=...: ranges of the
 * xorb, as the repository serves it. The Range header may ask for the signed ranges or for any
 * ranges that each lie within one of them: xet-core fetches a v2 entry of several ranges one
 * range at a time with the same URL. Bytes between two signed ranges are never served (they may
 * hold chunks the repository does not serve).
 */
export async function getFetch(req: IncomingMessage, res: ServerResponse, ctx: XetCasContext, xorb: string, query: URLSearchParams): Promise<void> {
  const grant = ctx.tokens.verifyFetch(xorb, query);
  const signed = grant && parseSignedRanges(grant.range);
  const ranges = parseSignedRanges((req.headers.range ?? '').replace(/\s+/g, ''));
  // 403 is what a client refreshes its reconstruction on (as with an expired presigned URL)
  if (!grant || !signed || !ranges || !ranges.every((r) => signed.some((s) => s.start <= r.start && r.end <= s.end))) throw new HttpError(403, FETCH_DENIED);
  const size = await ctx.meta.visibility.viewEnd(grant.repoId, xorb);
  const served = await Promise.all(ranges.map((r) => ctx.meta.visibility.serves(grant.repoId, xorb, r.start, r.end)));
  if (size === 0 || !served.every(Boolean)) throw new HttpError(404, 'xorb not found');
  const handle = await openXorb(ctx, xorb);
  try {
    // a local file is read in place (a pread per piece), object storage by one ranged GET per range
    const reader = (end: number) => (handle.remote ? (buf: Buffer, at: number) => handle.readAsync(buf, at, end) : (buf: Buffer, at: number) => handle.read(buf, at));
    if (ranges.length === 1) {
      const [{ start, end }] = ranges;
      res.writeHead(206, { 'Content-Type': 'application/octet-stream', 'Content-Length': end - start, 'Content-Range': `bytes ${start}-${end - 1}/${size}`, 'Accept-Ranges': 'bytes' });
      if (req.method === 'HEAD') return void res.end();
      if (await sendRange(res, reader(end), start, end, ctx.sendBuffers)) res.end();
      return;
    }
    const boundary = `hub-${randomBytes(12).toString('hex')}`;
    const heads = ranges.map((r, i) => Buffer.from(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${r.start}-${r.end - 1}/${size}\r\n\r\n`));
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const length = heads.reduce((n, h, i) => n + h.length + ranges[i].end - ranges[i].start, tail.length);
    res.writeHead(206, { 'Content-Type': `multipart/byteranges; boundary=${boundary}`, 'Content-Length': length, 'Accept-Ranges': 'bytes' });
    if (req.method === 'HEAD') return void res.end();
    for (let i = 0; i < ranges.length; i++) {
      res.write(heads[i]);
      if (!(await sendRange(res, reader(ranges[i].end), ranges[i].start, ranges[i].end, ctx.sendBuffers))) return;
    }
    res.end(tail);
  } finally {
    handle.close();
  }
}
