/**
 * The `xet` adapter's upload side (Xet spec upload-protocol.md), for the objects of one push the
 * batch API said the remote lacks, each request through the transfer queue:
 *
 * 1. each file's chunks (hash, length, and where the store keeps them) come from its manifest;
 * 2. the CAS is asked which of them it has (global dedup, `GET /v1/chunks/default-merkledb/H`):
 *    once per local xorb the files use, for one of the file's chunks in it (an eligible one,
 *    hash % 1024 == 0, when there is one: servers may answer only for those). An answer is a
 *    shard of xorbs the caller may deduplicate against, their chunk hashes keyed with the
 *    answer's HMAC key: a xorb of the same name is the local one (this store uploaded it), and a
 *    chunk whose keyed hash is listed is there too, wherever the CAS keeps it;
 * 3. every local xorb holding a chunk the CAS lacks is uploaded whole (xet-xorb-encode.ts), in
 *    parallel; a compressed one is encoded in memory, one at a time. A xorb the CAS answered 404
 *    for (about a file's first chunk or an eligible one) starts at once, while the other
 *    questions are still being answered;
 * 4. shards (no footer) register the files: per file its terms over the xorbs that now hold its
 *    chunks, a verification hash per term, its SHA-256; plus a block per uploaded xorb. One
 *    shard while they fit in the spec's 64 MiB, more for a push of over ~80 GiB of new data
 *    (xet-shards.ts).
 *
 * What the CAS verified stays there: a rerun asks again and sends only the rest.
 */
import { ProtocolError } from '../errors.js';
import { parseShard } from '../formats/shard.js';
import { CHUNK_FLAG_GLOBAL_DEDUP, type ShardFile, type ShardTerm, type ShardXorb } from '../formats/shard-types.js';
import { createKeyedBlake3, type KeyedBlake3 } from '../hash/blake3.js';
import { createVerificationHasher, joinedTermVerificationHash } from '../hash/term-verification.js';
import { fromXetHex, xetHex } from '../hash/xet-hex.js';
import type { TransferQueue } from './queue.js';
import type { UploadSource } from './store-interfaces.js';
import { Slots, type TransferMeter } from './transfer-queue.js';
import type { XetCas } from './xet-cas.js';
import { shardBodies } from './xet-shards.js';
import { UploadChunks } from './xet-upload-chunks.js';
import { encodeLocalXorb, type XetCompression } from './xet-xorb-encode.js';

/** True for a chunk the spec lets a client ask the global dedup API about (besides a file's first). */
export function dedupEligible(hash: Uint8Array): boolean {
  return hash[24] === 0 && (hash[25] & 0x03) === 0; // the last u64 (little-endian) % 1024 == 0
}

/** Rounds of dedup queries per upload (see askCas). */
const DEDUP_ROUNDS = 4;

/** What the shard says of a xorb this push sent: its chunks' hashes (32 bytes each) and lengths. */
interface UploadedXorb {
  xorb: string;
  size: number;
  unpacked: number;
  hashes: Uint8Array;
  lengths: Uint32Array;
}

/** A place of a chunk on the CAS. */
interface Place {
  xorb: string;
  index: number;
}

/** One push's Xet upload (it spans the batches of the push); see the module comment. */
export class XetUpload {
  /** Local xorbs this push uploaded. */
  private readonly casHas = new Set<string>();
  /** Where the CAS has chunks, by hash (Xet hex), as dedup answers said (a local xorb's name, when this store uploaded it before, or the CAS's own). */
  private readonly located = new Map<string, Place>();
  private readonly asked = new Set<string>();
  private readonly hmacs = new Map<string, Promise<KeyedBlake3>>();
  /** Compressed xorbs held in memory at once (one: up to 64 MiB). */
  private readonly encoding = new Slots(1);
  /** Xorbs uploaded by this push, for the shards' xorb blocks: their chunks, never their bytes. */
  private readonly uploaded = new Map<string, UploadedXorb>();
  /** Xorb bytes sent. */
  bytesSent = 0;
  private verifier: KeyedBlake3 | undefined;

  constructor(private readonly q: TransferQueue, private readonly cas: XetCas, private readonly source: UploadSource, private readonly compression: XetCompression = 'auto') {}

  /** Uploads the objects `oids` (the CAS lacks them, the store has them); `meter` counts their bytes. */
  async upload(oids: readonly string[], meter: TransferMeter): Promise<void> {
    this.verifier ??= await createVerificationHasher();
    const all = new UploadChunks(this.source, oids);
    const bytesIn = new Map<string, number>();
    for (let i = 0; i < all.count; i++) bytesIn.set(all.xorb(i), (bytesIn.get(all.xorb(i)) ?? 0) + all.lengths[i]);
    // a xorb the CAS says it lacks is sent at once, while the other dedup questions are answered
    const early = new Map<string, Promise<void>>();
    try {
      await this.askCas(all, (x) => {
        if (early.has(x) || this.casHas.has(x)) return;
        const sending = this.sendXorb(x, meter, bytesIn.get(x)!);
        sending.catch(() => {}); // awaited below
        early.set(x, sending);
      });
    } catch (err) {
      await Promise.allSettled(early.values()); // nothing keeps running after the push failed
      throw err;
    }
    // the local xorbs holding chunks the CAS has nowhere
    const needed = new Set<string>();
    for (let i = 0; i < all.count; i++) {
      const x = all.xorb(i);
      if (!this.casHas.has(x) && !early.has(x) && !needed.has(x) && !this.located.has(all.hex(i))) needed.add(x);
    }
    for (const [x, n] of bytesIn) if (!needed.has(x) && !early.has(x)) meter.skip(n);
    await Promise.all([...early.values(), this.q.each([...needed], (x) => this.sendXorb(x, meter, bytesIn.get(x)!))]);
    for (const shard of shardBodies(this.xorbBlocks(), this.fileBlocks(all))) await this.q.retried(() => this.cas.putShard(shard));
    this.uploaded.clear(); // each xorb block goes in one shard
  }

  /**
   * Step 2 of the module comment, in rounds: each round asks once per local xorb that still holds
   * chunks of the files not known to be on the CAS, about one of those chunks (an eligible one
   * when it can), and matches the answer against that xorb's chunks. A xorb this store uploaded
   * before is settled in one round; one whose chunks the CAS keeps in several xorbs of its own (a
   * store that packed a clone's chunks anew) in about as many rounds as those xorbs, at most four.
   */
  private async askCas(all: UploadChunks, lacks: (xorb: string) => void): Promise<void> {
    const byXorb = all.runsByXorb();
    const first = new Set(all.files.filter((f) => f.end > f.start).map((f) => f.start));
    const open = (i: number): boolean => {
      const hex = all.hex(i);
      return !this.located.has(hex) && !this.asked.has(hex);
    };
    // a xorb is asked about again only while the last answer placed some of its chunks (a 404, or an answer that places none, means new content)
    const asking = new Set(byXorb.keys());
    for (let round = 0; round < DEDUP_ROUNDS; round++) {
      const asks: Array<{ xorb: string; chunk: number }> = [];
      for (const [xorb, runs] of byXorb) {
        if (this.casHas.has(xorb) || !asking.has(xorb)) continue;
        const chunk = firstOf(runs, (i) => (first.has(i) || dedupEligible(all.hash(i))) && open(i)) ?? firstOf(runs, open);
        if (chunk !== undefined) asks.push({ xorb, chunk });
      }
      if (!asks.length) return;
      await this.q.each(asks, async ({ xorb, chunk }) => {
        const hex = all.hex(chunk);
        this.asked.add(hex);
        const shard = await this.q.inSlot(() => this.cas.dedup(hex));
        // a 404 for a file's first chunk or an eligible one (those a CAS answers for): the CAS lacks it, so this xorb goes up
        if (!shard && (first.has(chunk) || dedupEligible(all.hash(chunk)))) lacks(xorb);
        if (!shard || (await this.learn(shard, all, byXorb.get(xorb)!)) === 0) asking.delete(xorb);
      });
    }
  }

  /** Takes what a dedup answer says about `chunks` (of one local xorb); returns how many it placed. */
  private async learn(bytes: Uint8Array, all: UploadChunks, runs: ReadonlyArray<[number, number]>): Promise<number> {
    let shard;
    try {
      shard = parseShard(bytes);
    } catch (err) {
      throw new ProtocolError(`the CAS answered a global dedup query with a malformed shard: ${(err as Error).message}`, { cause: err }, 'bad_response');
    }
    const key = shard.footer?.hmacKey;
    const keyed = key && key.some((b) => b !== 0) ? await this.hmacOf(key) : undefined;
    const listed = new Map<string, Place>();
    for (const x of shard.xorbs) {
      const name = xetHex(x.xorbHash);
      x.chunks.forEach((c, index) => listed.set(xetHex(c.hash), { xorb: name, index }));
    }
    let placed = 0;
    for (const [start, end] of runs) {
      for (let i = start; i < end; i++) {
        const hex = all.hex(i);
        if (this.located.has(hex)) continue;
        const at = listed.get(keyed ? xetHex(keyed.hash(all.hash(i))) : hex);
        if (!at) continue;
        this.located.set(hex, at);
        placed++;
      }
    }
    return placed;
  }

  private hmacOf(key: Uint8Array): Promise<KeyedBlake3> {
    const id = Buffer.from(key).toString('hex');
    let h = this.hmacs.get(id);
    if (!h) this.hmacs.set(id, (h = createKeyedBlake3(key)));
    return h;
  }

  /** Uploads local xorb `x` (step 3); progress: the file bytes it carries, spread over the bytes sent. */
  private async sendXorb(x: string, meter: TransferMeter, logical: number): Promise<void> {
    // a compressed xorb is held in memory until sent: one at a time (an uncompressed one streams from the file)
    const e = await encodeLocalXorb(this.source, x, this.source.hashers, this.compression, () => this.encoding.acquire(this.q.signal));
    try {
      let counted = 0;
      let wire = 0;
      const sent = (n: number): void => {
        wire += n;
        const upTo = Math.floor((logical * wire) / e.size);
        meter.move(upTo - counted, n);
        counted = upTo;
      };
      await this.q.inSlot(() => {
        meter.move(-counted, 0); // a retry sends it again from the start
        counted = 0;
        wire = 0;
        return this.cas.putXorb(x, e.size, () => e.body(sent));
      });
      meter.move(logical - counted, 0);
      this.bytesSent += e.size;
      this.casHas.add(x);
      // plain data: a closure made here would share this call's context, and so keep `e` and its
      // encoded bytes alive until the shard (a compressed push held every xorb it sent in memory)
      this.uploaded.set(x, { xorb: e.xorb, size: e.size, unpacked: e.unpacked, ...packed(e.chunks) });
    } finally {
      e.release();
    }
  }

  /** Step 4, the files of `all`: their terms over the xorbs that now hold their chunks, a verification hash per term. */
  private *fileBlocks(all: UploadChunks): Generator<ShardFile> {
    const verify = this.verifier!;
    for (const f of all.files) {
      const terms: ShardTerm[] = [];
      const verification: Uint8Array[] = [];
      let termXorb = '';
      let termStart = f.start;
      for (let i = f.start; i < f.end; i++) {
        // upload() sent every xorb with a chunk not located
        const local = all.xorb(i);
        const place = this.casHas.has(local) ? undefined : this.located.get(all.hex(i))!;
        const [xorb, index] = place ? [place.xorb, place.index] : [local, all.indexIn[i]];
        const last = terms[terms.length - 1];
        if (last && termXorb === xorb && last.chunkEnd === index) {
          last.chunkEnd++;
          last.unpackedBytes += all.lengths[i];
          continue;
        }
        if (last) verification.push(joinedTermVerificationHash(all.hashes.subarray(32 * termStart, 32 * i), verify));
        terms.push({ xorbHash: fromXetHex(xorb), flags: 0, unpackedBytes: all.lengths[i], chunkStart: index, chunkEnd: index + 1 });
        [termXorb, termStart] = [xorb, i];
      }
      if (terms.length) verification.push(joinedTermVerificationHash(all.hashes.subarray(32 * termStart, 32 * f.end), verify));
      yield { fileHash: fromXetHex(f.manifest.xetHash), terms, verification, sha256: fromXetHex(f.oid) };
    }
  }

  /** Step 4, the xorbs this push sent: a block each, made as its shard fills. */
  private *xorbBlocks(): Generator<ShardXorb> {
    for (const e of this.uploaded.values()) {
      let at = 0;
      yield {
        xorbHash: fromXetHex(e.xorb),
        flags: 0,
        chunks: Array.from(e.lengths, (length, i) => {
          const hash = e.hashes.subarray(32 * i, 32 * i + 32);
          const chunk = { hash, unpackedStart: at, unpackedBytes: length, flags: i === 0 || dedupEligible(hash) ? CHUNK_FLAG_GLOBAL_DEDUP : 0 };
          at += length;
          return chunk;
        }),
        unpackedBytes: e.unpacked,
        storedBytes: e.size,
      };
    }
  }
}

/** The first chunk of `runs` that `ok` accepts. */
function firstOf(runs: ReadonlyArray<[number, number]>, ok: (i: number) => boolean): number | undefined {
  for (const [start, end] of runs) for (let i = start; i < end; i++) if (ok(i)) return i;
  return undefined;
}

/** `chunks` as 32 bytes of hash and a length each. */
function packed(chunks: ReadonlyArray<{ hash: Uint8Array; length: number }>): { hashes: Uint8Array; lengths: Uint32Array } {
  const hashes = new Uint8Array(32 * chunks.length);
  chunks.forEach((c, i) => hashes.set(c.hash, 32 * i));
  return { hashes, lengths: Uint32Array.from(chunks, (c) => c.length) };
}
