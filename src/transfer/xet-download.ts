/**
 * The `xet` adapter's download side (Xet spec download-protocol.md): moves and verifies the bytes
 * of one object, each request sent through the transfer queue. The file's reconstruction (v2,
 * else v1) names xorb chunk ranges, not chunk hashes, so the store's xorb chunk map says which
 * terms it already has (its own xorbs by name, or chunks an earlier verified download learned);
 * those are read locally. The rest is fetched exactly as the reconstruction's fetches say (their
 * URLs are signed for their Range values), each body streamed and decoded record by record:
 *
 * - a fetch whose terms follow one another in the file is streamed into the writer in file
 *   order, opened ahead through the queue's slots while earlier steps are written;
 * - a fetch whose chunks serve terms scattered through the file (a revision's new chunks, packed
 *   into one xorb but placed all over the file) is fetched once, first, into the store, and its
 *   terms are then read locally with the rest.
 *
 * Every chunk is hashed as it arrives (and compared with the hash the map knows, if any); the
 * chunks' Merkle file hash must equal the Xet hash the batch named, and the writer's SHA-256 the
 * oid, before anything is kept as the object. A range that does not decode is exit 5.
 */
import { pacer } from '../abort.js';
import { IntegrityError, ProtocolError } from '../errors.js';
import { fetchOf, type XetFetch, type XetReconstruction, type XetTerm } from '../formats/xet-reconstruction.js';
import { sharedPool, type BufferPool } from '../fs/buffer-pool.js';
import { fileHashFromRoot, MerkleBuilder } from '../hash/merkle.js';
import { ChunkHashList } from '../hash/chunk-hash-list.js';
import { xetHex } from '../hash/xet-hex.js';
import { LearnedChunks as Learned } from './learned-chunks.js';
import type { TransferQueue } from './queue.js';
import { isRetriable } from './retry.js';
import type { DownloadTarget, ObjectWriter, XorbChunkInfo } from './store-interfaces.js';
import type { TransferMeter } from './transfer-queue.js';
import { isExpiredUrl, type FetchBody, type XetCas } from './xet-cas.js';
import { corruptRange, fetchChunks } from './xet-fetch-chunks.js';

/** Bytes of a fetch body read ahead of its consumer. */
const PREFETCH_BYTES = 4 << 20;
/** Bytes of the pooled buffers bodies are read into. */
const BLOCK_BYTES = 1 << 20;
/** Spare body buffers kept for the next file: the bodies read ahead in the queue's slots. */
const BLOCKS_KEPT = 32;
/** Times a streamed fetch whose connection dropped mid-body is opened again. */
const REOPEN_ATTEMPTS = 5;

/**
 * One term the store has, or the terms (in file order and chunk order) one fetch serves. A local
 * step carries its hash list: the store reader remembers lookups by list, so planning's `has` and
 * reading's `locate` cost one round of queries.
 */
type Step = { local: XetTerm; chunks: XorbChunkInfo[]; hashes: ChunkHashList } | { fetch: XetFetch; terms: XetTerm[] };

/**
 * The steps of `rec`: terms whose chunks the store has (by the map, or learned by this download)
 * are local; the others are grouped by fetch, a group extended while the next term uses the same
 * fetch at higher chunks. `scattered` gets the fetches that more than one group would use.
 */
function plan<L, R>(rec: XetReconstruction, target: DownloadTarget<L, R>, learned: Learned, expected: Learned, what: string): { steps: Step[]; scattered: XetFetch[] } {
  const steps: Step[] = [];
  const groups = new Map<XetFetch, number>();
  for (const term of rec.terms) {
    const known = learned.chunks(term.xorb, term.chunkStart, term.chunkEnd) ?? target.xorbs.chunks(term.xorb, term.chunkStart, term.chunkEnd);
    const hashes = known && known.reduce((n, c) => n + c.length, 0) === term.unpackedLength ? ChunkHashList.of(known.map((c) => c.hash)) : undefined;
    if (known && hashes && target.local.has(hashes)) {
      steps.push({ local: term, chunks: known, hashes });
      continue;
    }
    for (const c of known ?? []) expected.add(term.xorb, c); // what the fetched chunks must hash to
    const at = fetchOf(rec, term);
    if (!at) throw new ProtocolError(`the reconstruction of ${what} names chunks ${term.chunkStart}-${term.chunkEnd} of xorb ${term.xorb} without a fetch that holds them`, {}, 'bad_reconstruction');
    const last = steps[steps.length - 1];
    if (last && 'fetch' in last && last.fetch === at.fetch && last.terms[last.terms.length - 1].chunkEnd <= term.chunkStart) last.terms.push(term);
    else {
      steps.push({ fetch: at.fetch, terms: [term] });
      groups.set(at.fetch, (groups.get(at.fetch) ?? 0) + 1);
    }
  }
  return { steps, scattered: [...groups].filter(([, n]) => n > 1).map(([f]) => f) };
}

/** Everything one download shares. */
interface Download<L, R> {
  q: TransferQueue;
  cas: XetCas;
  target: DownloadTarget<L, R>;
  meter: TransferMeter;
  learned: Learned;
  /** Hashes the store knows of chunks to fetch (found when planning), to compare what arrives with. */
  expected: Learned;
  received: number;
  /** The buffers fetched bodies are read into (reused once written). */
  pool: BufferPool;
}

/** Hashes a fetched chunk and checks it against a hash the map knows. */
function hashOf<L, R>(d: Download<L, R>, fetch: XetFetch, index: number, data: Uint8Array): Uint8Array {
  const hash = d.target.hashers.chunk.hash(data);
  const want = d.expected.hash(fetch.xorb, index);
  if (want && Buffer.compare(hash, want) !== 0) throw corruptRange(fetch, `chunk ${index} does not match its hash ${xetHex(want)}`);
  d.learned.add(fetch.xorb, { index, hash, length: data.length });
  return hash;
}

/** Fetches every chunk of `fetches` into the store (each fetch in one slot, retried whole). */
async function stashAll<L, R>(d: Download<L, R>, fetches: readonly XetFetch[]): Promise<void> {
  if (!fetches.length) return;
  const stash = d.target.stash();
  try {
    await d.q.each(fetches, (fetch) =>
      d.q.inSlot(async () => {
        const body = await d.cas.openFetch(fetch, PREFETCH_BYTES, d.pool);
        try {
          for await (const batch of fetchChunks(body, fetch)) {
            for (const c of batch.chunks) {
              stash.add(hashOf(d, fetch, c.index, c.data), c.data);
              d.meter.move(0, c.wire); // the file's bytes are counted when the terms are written
            }
            batch.release(); // the stash copied them
            await stash.drained();
          }
        } finally {
          d.received += body.received;
          body.cancel();
        }
      }),
    );
    await stash.finish();
  } catch (err) {
    await stash.abort();
    throw err;
  }
}

/**
 * Streams the chunks of `terms` (in order) from `body` into `writer`. When the body fails with a
 * retriable error, the fetch is opened again and the chunks already written are skipped; when its
 * URL expired (403, or `body` undefined), a fresh reconstruction gives each remaining term a fetch
 * of its own.
 */
async function streamTerms<L, R>(d: Download<L, R>, fetch: XetFetch, terms: readonly XetTerm[], body: FetchBody | undefined, writer: ObjectWriter<L, R>, merkle: MerkleBuilder, fileHash: string): Promise<void> {
  let t = 0;
  let next = terms[0].chunkStart;
  let termBytes = 0;
  try {
    for (let attempt = 1; t < terms.length; attempt++) {
      if (!body) {
        const rest = [{ ...terms[t], chunkStart: next, unpackedLength: terms[t].unpackedLength - termBytes }, ...terms.slice(t + 1)];
        return await streamAfresh(d, rest, writer, merkle, fileHash);
      }
      try {
        const want = (i: number): boolean => t < terms.length && i >= next && i < terms[t].chunkEnd;
        for await (const batch of fetchChunks(body, fetch, want)) {
          let wire = 0;
          let done = 0;
          for (const c of batch.chunks) {
            if (t >= terms.length || c.index < next) continue; // written before a reopen
            if (c.index !== next) throw corruptRange(fetch, `chunk ${next} expected, the range is at chunk ${c.index}`);
            const hash = hashOf(d, fetch, c.index, c.data);
            merkle.push(hash, c.data.length);
            writer.hashedChunk(hash, c.data);
            wire += c.wire;
            done += c.data.length;
            termBytes += c.data.length;
            if (++next === terms[t].chunkEnd) {
              if (termBytes !== terms[t].unpackedLength) throw corruptRange(fetch, `chunks ${terms[t].chunkStart}-${terms[t].chunkEnd} unpack to ${termBytes} bytes, the reconstruction says ${terms[t].unpackedLength}`);
              termBytes = 0;
              if (++t < terms.length) next = terms[t].chunkStart;
            }
          }
          d.meter.move(done, wire);
          writer.whenWritten?.(batch.release); // without it, the piece's buffer is never reused
          await writer.drained?.();
          if (t >= terms.length) break; // a fetch wider than its terms: the rest is not needed
        }
        if (t < terms.length) throw corruptRange(fetch, `the body ends before chunk ${next}`);
      } catch (err) {
        if (!isRetriable(err) || attempt >= REOPEN_ATTEMPTS) throw err;
        d.q.signal?.throwIfAborted();
        d.received += body.received;
        body.cancel();
        body = undefined;
        body = await d.q.retried(() => d.cas.openFetch(fetch, PREFETCH_BYTES, d.pool)).catch((e) => (isExpiredUrl(e) ? undefined : Promise.reject(e)));
      }
    }
  } finally {
    if (body) {
      d.received += body.received;
      body.cancel();
    }
  }
}

/** Streams `terms` after their fetch URLs expired: one fresh reconstruction, then each term from a fetch of its own. */
async function streamAfresh<L, R>(d: Download<L, R>, terms: readonly XetTerm[], writer: ObjectWriter<L, R>, merkle: MerkleBuilder, fileHash: string): Promise<void> {
  const rec = await d.q.retried(() => d.cas.reconstruction(fileHash));
  for (const term of terms) {
    const at = fetchOf(rec, term);
    if (!at) throw new ProtocolError(`a new reconstruction of Xet file ${fileHash.slice(0, 12)} has no fetch for chunks ${term.chunkStart}-${term.chunkEnd} of xorb ${term.xorb}`, {}, 'bad_reconstruction');
    const body = await d.q.inSlot(() => d.cas.openFetch(at.fetch, PREFETCH_BYTES, d.pool));
    await streamTerms(d, at.fetch, [term], body, writer, merkle, fileHash);
  }
}

/**
 * Receives one object into `writer` from the CAS; returns the response bytes received and the
 * chunks learned. The caller finishes (or aborts) the writer, then records what was learned.
 */
export async function receiveXet<L, R>(q: TransferQueue, cas: XetCas, obj: { oid: string; size: number }, fileHash: string, target: DownloadTarget<L, R>, writer: ObjectWriter<L, R>, meter: TransferMeter): Promise<{ received: number; learned: Iterable<{ xorb: string; chunks: XorbChunkInfo[] }> }> {
  const what = `Xet file ${fileHash.slice(0, 12)}`;
  const rec = await q.retried(() => cas.reconstruction(fileHash));
  if (rec.offsetIntoFirstRange !== 0) throw new ProtocolError(`the reconstruction of ${what} starts ${rec.offsetIntoFirstRange} bytes into its first term`, {}, 'bad_reconstruction');
  const total = rec.terms.reduce((n, t) => n + t.unpackedLength, 0);
  if (total !== obj.size) throw new IntegrityError(`the CAS describes ${obj.oid} (${what}) as ${total} bytes, the pointer says ${obj.size}`, { data: { oid: obj.oid } }, 'size_mismatch');
  const d: Download<L, R> = {
    q,
    cas,
    target,
    meter,
    learned: new Learned(),
    expected: new Learned(),
    received: 0,
    pool: sharedPool(BLOCK_BYTES, BLOCKS_KEPT), // one for every file of this process
  };
  // chunks that serve terms all over the file come first, into the store; then everything in order
  const first = plan(rec, target, d.learned, d.expected, what);
  await stashAll(d, first.scattered);
  const { steps } = first.scattered.length ? plan(rec, target, d.learned, d.expected, what) : first;

  const merkle = new MerkleBuilder(target.hashers.node);
  const remote = steps.filter((s): s is Extract<Step, { fetch: XetFetch }> => 'fetch' in s);
  // fetches are opened ahead through the queue's slots; a URL that expired meanwhile is handled by streamTerms
  const opened = q.ordered(remote.map((s) => () => cas.openFetch(s.fetch, PREFETCH_BYTES, d.pool).catch((err) => (isExpiredUrl(err) ? undefined : Promise.reject(err)))));
  const checkpoint = pacer(q.signal);
  try {
    for (const step of steps) {
      await checkpoint();
      if ('fetch' in step) {
        const got = await opened.next();
        if (got.done) throw new Error('receiveXet: fewer fetches than steps'); // cannot happen: one request per remote step
        await streamTerms(d, step.fetch, step.terms, got.value, writer, merkle, fileHash);
        continue;
      }
      const where = target.local.locate(step.hashes);
      if (!where) throw new IntegrityError(`chunks of ${obj.oid.slice(0, 12)} vanished from the local store`, {}, 'missing_chunk');
      await target.local.readEach(where, async (data, from, release) => {
        data.forEach((bytes, k) => {
          const c = step.chunks[from + k];
          merkle.push(c.hash, bytes.length);
          writer.localChunk(c.hash, bytes, where[from + k]);
        });
        writer.whenWritten?.(release);
        await writer.drained?.();
      });
      meter.skip(step.local.unpackedLength);
    }
  } finally {
    await opened.return(undefined);
  }
  const got = xetHex(fileHashFromRoot(merkle.root(), merkle.leaves, target.hashers.fileSalt));
  if (got !== fileHash) throw new IntegrityError(`the chunks the CAS sent for ${obj.oid.slice(0, 12)} hash to Xet file ${got}, not ${fileHash}`, { data: { oid: obj.oid } }, 'xet_hash_mismatch');
  return { received: d.received, learned: d.learned.entries() };
}
