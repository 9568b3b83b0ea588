/**
 * `GET|HEAD /[datasets/]O/N/resolve/REV/PATH` (and `/raw/`) of the Hugging Face–compatible API:
 * a file's bytes at a revision, streamed, with the headers HF clients read:
 *
 * - `X-Repo-Commit`: the commit REV resolved to;
 * - `ETag`: the LFS oid (sha256) for an LFS file, the git blob id otherwise; for LFS files also
 *   `X-Linked-Etag` (the same oid) and `X-Linked-Size` (the real size), and on a server that is a
 *   Xet CAS `X-Xet-Hash`, `X-Xet-Refresh-Route` and the `xet-auth` and `xet-reconstruction-info`
 *   links (with `Accept: application/vnd.xet-fileinfo+json`, that as JSON instead of the bytes);
 * - `Accept-Ranges: bytes`, `Content-Length`, `Content-Type: application/octet-stream`;
 *   `Range: bytes=a-b` (or `a-`, `-n`) gives 206 with `Content-Range`, outside the file 416.
 *
 * `resolve` serves an LFS file's real bytes from the content store (the repository must hold the
 * object: what another repository uploaded is not served here); `raw` serves the committed blob
 * as it is, the pointer for an LFS file (the JS client's `fileExists` asks `HEAD raw/...`).
 * Content the server does not hold is a 404 EntryNotFound like a missing path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { looksLikePointer, parsePointer, type LfsPointer } from '../formats/lfs-pointer.js';
import type { BareRepo } from './git-read.js';
import { hfError } from './hf-access.js';
import { commitOf, repoPath } from './hf-entries.js';
import type { HfReadContext } from './hf-read-context.js';
import { parseRange } from './lfs.js';
import type { RepoRecord } from './metadata.js';
import { drainOr } from './drain-or.js';
import { sendObject } from './send-object.js';
import { XET_CAS_PATH, xetTokenUrl } from './xet-access.js';

/** What to serve: the revision and path as decoded from the URL; `raw` serves pointers as they are. */
export interface ResolveTarget {
  raw: boolean;
  rev: string;
  path: string;
}

/** Answers a resolve (or raw) request for a repository the caller may read. */
export async function handleResolve(target: ResolveTarget, repo: RepoRecord, bare: BareRepo, req: IncomingMessage, res: ServerResponse, ctx: HfReadContext): Promise<void> {
  const commit = await commitOf(bare, target.rev);
  const path = repoPath(target.path);
  const missing = () => hfError(404, 'EntryNotFound', `${JSON.stringify(target.path)} does not exist at revision ${target.rev}`);
  const [blob] = path ? await bare.lookup(commit.id, [path]) : [undefined];
  if (blob?.type !== 'blob') throw missing();
  let pointer: LfsPointer | undefined;
  if (!target.raw && blob.size < 1024) {
    const [bytes] = await bare.readBlobs([blob.oid]);
    if (looksLikePointer(bytes)) {
      try {
        pointer = parsePointer(bytes);
      } catch {
        // an ordinary small file that starts like a pointer
      }
    }
  }
  const headers: Record<string, string | number> = { 'X-Repo-Commit': commit.id, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
  if (pointer) {
    const held = await ctx.meta.objectSize(repo.id, pointer.oid);
    const manifest = held === undefined ? undefined : await ctx.store.manifests.readAsync(pointer.oid);
    if (!manifest || manifest.size !== pointer.size) throw hfError(404, 'EntryNotFound', `the content of ${JSON.stringify(target.path)} is not available on this server`);
    Object.assign(headers, { ETag: `"${pointer.oid}"`, 'X-Linked-Etag': `"${pointer.oid}"`, 'X-Linked-Size': String(pointer.size) });
    if (ctx.xet) {
      const info = await xetFileInfo(ctx, repo, commit.id, pointer.oid, manifest.xetHash, manifest.size);
      Object.assign(headers, info.headers);
      if (String(req.headers.accept ?? '').includes(XET_FILEINFO)) return sendXetFileInfo(req, res, headers, info.body);
    }
    const range = parseRange(req.headers.range, manifest.size);
    if (!start(req, res, headers, manifest.size, range)) return;
    await sendObject(res, ctx.store, manifest, range, ctx.sendBuffers);
    return;
  }
  headers.ETag = `"${blob.oid}"`;
  const range = parseRange(req.headers.range, blob.size);
  if (!start(req, res, headers, blob.size, range)) return;
  await pipeBlob(res, bare, blob.oid, range ?? { start: 0, end: blob.size });
}

const XET_FILEINFO = 'application/vnd.xet-fileinfo+json';

/**
 * What a resolve answer of a large file says in Xet terms (as the Hugging Face Hub does): its Xet
 * hash (`X-Xet-Hash`, recorded as naming the oid so the CAS finds it: xet-files.ts), the read-token
 * route (`X-Xet-Refresh-Route`, and the `xet-auth` link) and the reconstruction URL
 * (`xet-reconstruction-info` link); and the JSON body of the `application/vnd.xet-fileinfo+json` answer.
 */
async function xetFileInfo(ctx: HfReadContext, repo: RepoRecord, commit: string, oid: string, xetHash: string, size: number) {
  await ctx.store.xetFiles.recordFile(xetHash, oid, { durable: false }); // once per manifest (one the store had before it served Xet): no fsync on the event loop
  const refreshUrl = xetTokenUrl(ctx.baseUrl, repo, 'read', commit);
  const reconstructionUrl = `${ctx.baseUrl}${XET_CAS_PATH}/v1/reconstructions/${xetHash}`;
  return {
    headers: { 'X-Xet-Hash': xetHash, 'X-Xet-Refresh-Route': new URL(refreshUrl).pathname, Link: `<${refreshUrl}>; rel="xet-auth", <${reconstructionUrl}>; rel="xet-reconstruction-info"` },
    body: { hash: xetHash, size, etag: oid, refreshUrl, reconstructionUrl },
  };
}

/** The `application/vnd.xet-fileinfo+json` answer: the file's Xet facts instead of its bytes. */
function sendXetFileInfo(req: IncomingMessage, res: ServerResponse, headers: Record<string, string | number>, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  const { 'Accept-Ranges': _ranges, ...rest } = headers;
  res.writeHead(200, { ...rest, 'Content-Type': XET_FILEINFO, 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Writes the status line and headers; false for HEAD (nothing more to send). */
function start(req: IncomingMessage, res: ServerResponse, headers: Record<string, string | number>, size: number, range: { start: number; end: number } | undefined): boolean {
  headers['Content-Length'] = range ? range.end - range.start : size;
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end - 1}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return false;
  }
  return true;
}

/** Streams bytes [start, end) of a git blob from `git cat-file blob`, stopping git once they are sent. */
async function pipeBlob(res: ServerResponse, bare: BareRepo, oid: string, range: { start: number; end: number }): Promise<void> {
  const child = await bare.catBlob(oid);
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (code) => resolve(code));
  });
  let at = 0;
  let sent = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      const lo = Math.max(range.start - at, 0);
      const hi = Math.min(range.end - at, chunk.length);
      at += chunk.length;
      if (hi > lo) {
        sent += hi - lo;
        if (!res.write(chunk.subarray(lo, hi))) await drainOr(res, 'close');
      }
      if (res.destroyed || at >= range.end) break;
    }
  } finally {
    if (child.exitCode === null) child.kill();
  }
  await exited;
  if (sent === range.end - range.start && !res.destroyed) res.end();
  else res.destroy();
}
