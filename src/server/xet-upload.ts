/**
 * The upload half of hub serve's Xet CAS (docs/protocol.md "Xet"): `POST /v1/xorbs/default/HASH`
 * and `POST /v1/shards`. Bodies stream to a temporary file; a worker verifies and stores them
 * (store/xet-xorb-import.ts, store/xet-shard-register.ts), into the content store `hub push` fills.
 *
 * Visibility (chunk-visibility.ts) holds as for hub-chunks: a xorb upload is verified in full
 * whether or not the store has the xorb, and counts as the uploader's (they provably know every
 * chunk); `was_inserted` is false only when the caller could read the whole xorb already, never
 * because someone else stored it. A shard may name only chunks its uploader can read (a xorb they
 * uploaded, or chunks a repository they may read serves); anything else is refused with the answer
 * a missing xorb gets, before the store is asked anything.
 */
import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { xorbFooterBytes } from '../formats/xorb-footer.js';
import { CHUNK_HEADER_BYTES, XORB_MAX_BYTES, XORB_MAX_CHUNKS } from '../formats/xorb.js';
import { coversChunks, type ChunkRuns } from './chunk-visibility.js';
import { holdObject } from './hold-object.js';
import { HttpError, sendJson } from './http-util.js';
import type { User } from './metadata.js';
import { receiveFile } from './receive-file.js';
import type { CasCaller } from './xet-access.js';
import type { XetCasContext } from './xet-cas-context.js';

/** The largest xorb upload: 64 MiB of chunk data stored uncompressed, its headers and the largest footer. */
export const MAX_XET_XORB_UPLOAD = XORB_MAX_BYTES + XORB_MAX_CHUNKS * CHUNK_HEADER_BYTES + xorbFooterBytes(XORB_MAX_CHUNKS);
/** The largest shard upload (the spec's limit). */
export const MAX_XET_SHARD_UPLOAD = 64 << 20;

function uploader(caller: CasCaller): User {
  if (!caller.user) throw new HttpError(401, 'uploads need a Xet write token issued for a hub token');
  return caller.user;
}

/** The chunks of a xorb `user` may name, looked up once per xorb. */
function readableBy(ctx: XetCasContext, user: User): (xorb: string) => Promise<ChunkRuns> {
  const known = new Map<string, Promise<ChunkRuns>>();
  return (xorb) => {
    let runs = known.get(xorb);
    if (!runs) known.set(xorb, (runs = ctx.meta.visibility.readableChunks(user, xorb)));
    return runs;
  };
}

/** POST /v1/xorbs/default/HASH: `{"was_inserted": bool}`. */
export async function postXorb(req: IncomingMessage, res: ServerResponse, ctx: XetCasContext, caller: CasCaller, xorb: string): Promise<void> {
  const user = uploader(caller);
  const before = await ctx.meta.visibility.readableChunks(user, xorb); // what the caller could read before this upload
  const tmp = await receiveFile(req, ctx.tmpDir, 'xorb upload', MAX_XET_XORB_UPLOAD);
  try {
    const r = await ctx.jobs('importXetXorb', { tmp, xorb }); // every record decoded and hashed, the xorb hash checked; removes tmp
    await ctx.meta.visibility.recordUpload(user.id, xorb);
    sendJson(res, 200, { was_inserted: !coversChunks(before, 0, r.chunks) });
  } finally {
    rmSync(tmp, { force: true });
  }
}

const NOT_ON_SERVER = 'the shard names chunks that are not on the server: upload their xorbs first';

/** POST /v1/shards: `{"result": 1}` once every file of the shard is registered and held by the token's repository. */
export async function postShard(req: IncomingMessage, res: ServerResponse, ctx: XetCasContext, caller: CasCaller): Promise<void> {
  const user = uploader(caller);
  const tmp = await receiveFile(req, ctx.tmpDir, 'shard upload', MAX_XET_SHARD_UPLOAD);
  try {
    const summary = await ctx.jobs('readXetShard', { path: tmp }); // parsed on a worker: what it names
    const readable = readableBy(ctx, user);
    for (const f of summary.files) {
      for (const r of f.runs) if (!coversChunks(await readable(r.xorb), r.chunkStart, r.chunkEnd)) throw new HttpError(400, NOT_ON_SERVER, {}, 'missing_chunk');
    }
    for (const x of summary.xorbs) if (!coversChunks(await readable(x.xorb), 0, x.chunks)) throw new HttpError(400, NOT_ON_SERVER, {}, 'missing_chunk');
    const files = await ctx.jobs('registerXetShard', { path: tmp }); // hashes, verification entries, SHA-256: on a worker
    for (const f of files) await holdObject(ctx.meta, caller.repo.id, f.oid, f.size, f.wrote, f.ranges);
    sendJson(res, 200, { result: 1 });
  } finally {
    rmSync(tmp, { force: true });
  }
}
