/**
 * Registers the files of a Xet shard upload (docs/protocol.md "Xet") as the store registers a
 * `hub push` manifest (chunk-api.ts registerManifest): each file block becomes a file manifest
 * keyed by its SHA-256 (the LFS oid a commit names), checked against the store's bytes before it
 * is written. Two steps, so that a server can decide access between them without the store
 * telling anything: `readXetShard` only parses (what the shard names), `registerXetShard` checks
 * and writes.
 *
 * Checks, in order, each a one-line error: the shard parses (formats/shard.ts, `bad_shard`);
 * every xorb it names exists (`missing_xorb`); each xorb block lists exactly that xorb's chunk
 * hashes and lengths; each file block has one verification hash per term, equal to the keyed
 * hash of the term's chunk hashes (proof the uploader knew them); each term unpacks to the
 * length it says; the chunks give the file's Xet hash; and the bytes, streamed once from the
 * xorbs, are the SHA-256 the metadata extension says (computed when a block has none).
 */
import { FormatError, IntegrityError } from '../errors.js';
import type { FileManifest } from '../formats/manifest.js';
import { parseShard } from '../formats/shard.js';
import type { ShardFile } from '../formats/shard-types.js';
import { createSha256 } from '../hash/sha256.js';
import { createVerificationHasher, termVerificationHash } from '../hash/term-verification.js';
import { xetHex } from '../hash/xet-hex.js';
import { registerManifest, type ServedRange } from './chunk-api.js';
import { ChunkHashCache, OpenXorbs } from './object-verify.js';
import type { Store } from './store.js';
import { recordXetManifest } from './xet-manifest-record.js';

/** What a shard names, for the access check: each file's chunk runs and each listed xorb's chunk count. */
export interface XetShardSummary {
  files: Array<{ xetHash: string; oid?: string; size: number; runs: Array<{ xorb: string; chunkStart: number; chunkEnd: number }> }>;
  xorbs: Array<{ xorb: string; chunks: number }>;
}

/** One registered file. */
export interface XetShardFile {
  oid: string;
  size: number;
  xetHash: string;
  /** The store's manifest of `oid` was written now (else a usable one was kept). */
  wrote: boolean;
  /** The xorb ranges the store's manifest of `oid` references. */
  ranges: ServedRange[];
}

function bad(message: string): FormatError {
  return new FormatError(`shard: ${message}`, {}, 'bad_shard');
}

/** Parses a shard upload body and lists what it names (nothing is looked up). */
export function readXetShard(body: Uint8Array): XetShardSummary {
  const shard = parseShard(body, 'optional');
  return {
    files: shard.files.map((f, i) => {
      if (!f.verification) throw bad(`file block ${i} has no verification entries (a shard upload must prove its chunk hashes)`);
      return { xetHash: xetHex(f.fileHash), ...(f.sha256 ? { oid: xetHex(f.sha256) } : {}), size: fileSize(f), runs: f.terms.map((t) => ({ xorb: xetHex(t.xorbHash), chunkStart: t.chunkStart, chunkEnd: t.chunkEnd })) };
    }),
    xorbs: shard.xorbs.map((x) => ({ xorb: xetHex(x.xorbHash), chunks: x.chunks.length })),
  };
}

function fileSize(f: ShardFile): number {
  return f.terms.reduce((n, t) => n + t.unpackedBytes, 0);
}

/** Checks every file and xorb block of the shard `body` against the store, then registers the files. */
export async function registerXetShard(store: Store, body: Uint8Array): Promise<XetShardFile[]> {
  const shard = parseShard(body, 'optional');
  const verifier = await createVerificationHasher();
  const xorbs = new OpenXorbs(store);
  const hashesOf = new ChunkHashCache(store, xorbs);
  try {
    // every xorb the shard names, opened once (a local file, or an object's chunk table)
    await xorbs.openAll([...shard.xorbs.map((x) => ({ xorb: xetHex(x.xorbHash) })), ...shard.files.flatMap((f) => f.terms.map((t) => ({ xorb: xetHex(t.xorbHash) })))]);
    shard.xorbs.forEach((x, i) => {
      const xorb = xetHex(x.xorbHash);
      const records = xorbs.get(xorb).records();
      const hashes = hashesOf.get(xorb);
      if (records.length !== x.chunks.length) throw bad(`xorb block ${i} lists ${x.chunks.length} chunks of xorb ${xorb}, which holds ${records.length}`);
      x.chunks.forEach((c, k) => {
        if (c.unpackedBytes !== records[k].length || !equal(c.hash, hashes[k])) throw bad(`xorb block ${i}: chunk ${k} of xorb ${xorb} is not the chunk the shard says`);
      });
    });
    const checked = shard.files.map((f, i) => {
      f.terms.forEach((t, k) => {
        const xorb = xetHex(t.xorbHash);
        const records = xorbs.records(xetHex(f.fileHash), { xorb, chunkEnd: t.chunkEnd });
        let bytes = 0;
        for (let c = t.chunkStart; c < t.chunkEnd; c++) bytes += records[c].length;
        if (bytes !== t.unpackedBytes) throw bad(`file block ${i}: term ${k} says ${t.unpackedBytes} bytes, chunks ${t.chunkStart}..${t.chunkEnd} of xorb ${xorb} hold ${bytes}`);
        const proof = termVerificationHash(hashesOf.get(xorb).slice(t.chunkStart, t.chunkEnd), verifier);
        if (!f.verification || !equal(proof, f.verification[k])) {
          throw new IntegrityError(`shard: file block ${i}: the verification hash of term ${k} does not match chunks ${t.chunkStart}..${t.chunkEnd} of xorb ${xorb}`, {}, 'shard_mismatch');
        }
      });
      const terms = f.terms.map((t) => ({ xorb: xetHex(t.xorbHash), chunkStart: t.chunkStart, chunkEnd: t.chunkEnd, bytes: t.unpackedBytes }));
      const manifest: FileManifest = { version: 1, oid: f.sha256 ? xetHex(f.sha256) : '', size: fileSize(f), xetHash: xetHex(f.fileHash), terms };
      return manifest;
    });
    for (const manifest of checked) if (!manifest.oid) manifest.oid = await sha256Of(manifest, xorbs);
    const registered: XetShardFile[] = [];
    for (const manifest of checked) {
      // the Xet hash from the chunk hashes and the SHA-256 over the bytes (object-verify.ts), then written
      const { wrote, ranges } = await registerManifest(store, manifest);
      await recordXetManifest(store, manifest);
      registered.push({ oid: manifest.oid, size: manifest.size, xetHash: manifest.xetHash, wrote, ranges });
    }
    return registered;
  } catch (err) {
    if (err instanceof IntegrityError && err.code === 'missing_xorb') throw new IntegrityError(`shard: ${err.message}: upload it before the shard`, { data: err.data }, 'missing_xorb');
    throw err;
  } finally {
    xorbs.close();
  }
}

/** The SHA-256 of the bytes `manifest` names (a file block without the metadata extension). */
async function sha256Of(manifest: FileManifest, xorbs: OpenXorbs): Promise<string> {
  const sha = createSha256();
  for (const t of manifest.terms) {
    const f = xorbs.get(t.xorb);
    const records = xorbs.records(manifest.oid, t);
    for (let c = t.chunkStart; c < t.chunkEnd; c++) {
      const data = new Uint8Array(records[c].length);
      await f.readAtAsync(data, records[c].dataOffset, records[t.chunkEnd - 1].dataOffset + records[t.chunkEnd - 1].length);
      sha.update(data);
    }
  }
  return sha.digest('hex');
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
