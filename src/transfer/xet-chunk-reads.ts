/**
 * Chunks of one file read a few at a time from a Xet CAS, for `hub diff` (docs/protocol.md "diff"):
 * the file's chunk table comes from one reconstruction with hub's `hub_chunks` extension (each
 * term's chunk hashes and lengths), and the chunks a diff lacks are fetched by asking the CAS for
 * the reconstruction of just their bytes (the spec's `Range` on `/v{1,2}/reconstructions`, chunk
 * aligned, so its terms are exactly those chunks) and fetching what that answer says. Every chunk
 * is checked against the hash the table named before it is handed out. A server without the
 * extension yields no table (`xetChunkTable` answers undefined): the caller fetches the object whole.
 */
import { IntegrityError, ProtocolError } from '../errors.js';
import { fetchOf, type XetReconstruction } from '../formats/xet-reconstruction.js';
import type { TransferQueue } from './queue.js';
import type { XetCas } from './xet-cas.js';
import { fetchChunks } from './xet-fetch-chunks.js';

/** One chunk of the file: bytes [offset, offset + length), its hash in Xet hex. */
export interface XetTableChunk {
  offset: number;
  length: number;
  hash: string;
}

/** Bytes of a fetch body read ahead of its decoding. */
const PREFETCH_BYTES = 1 << 20;

/** The chunk table of the file `fileHash` of `size` bytes, or undefined when the CAS does not send chunk hashes. */
export async function xetChunkTable(q: TransferQueue, cas: XetCas, fileHash: string, size: number, what: string): Promise<XetTableChunk[] | undefined> {
  const rec = await q.retried(() => cas.reconstruction(fileHash, undefined, { chunkHashes: true }));
  if (!rec.terms.every((t) => t.chunks)) return undefined;
  const table: XetTableChunk[] = [];
  let offset = 0;
  for (const t of rec.terms) {
    t.chunks!.hashes.forEach((hash, k) => {
      table.push({ offset, length: t.chunks!.lengths[k], hash });
      offset += t.chunks!.lengths[k];
    });
  }
  if (offset !== size) throw new IntegrityError(`${what}: the CAS's reconstruction holds ${offset} bytes, the pointer says ${size}`, { data: { fileHash } }, 'size_mismatch');
  return table;
}

/**
 * The data of `table[i]` for each i of `wanted` (ascending), in that order, a batch per run of
 * neighbouring chunks as it arrives, with the bytes received for it.
 */
export async function* readXetChunks(q: TransferQueue, cas: XetCas, fileHash: string, table: readonly XetTableChunk[], wanted: readonly number[], what: string): AsyncGenerator<{ data: Uint8Array[]; received: number }> {
  for (let a = 0; a < wanted.length; ) {
    let b = a + 1;
    while (b < wanted.length && wanted[b] === wanted[b - 1] + 1) b++;
    const run = wanted.slice(a, b).map((i) => table[i]);
    yield await q.retried(() => readRun(cas, fileHash, run, what));
    a = b;
  }
}

/** Chunks `run` (neighbours in the file): one range reconstruction, its fetches, each chunk checked against its hash. */
async function readRun(cas: XetCas, fileHash: string, run: readonly XetTableChunk[], what: string): Promise<{ data: Uint8Array[]; received: number }> {
  const start = run[0].offset;
  const end = run[run.length - 1].offset + run[run.length - 1].length;
  const rec = await cas.reconstruction(fileHash, { start, end }); // without chunk hashes: each chunk is checked against the table below
  const order = chunkOrder(rec, start, run, what);
  // each fetch once, its chunks kept by (xorb, index) until the run is assembled
  const got = new Map<string, Uint8Array>();
  let received = 0;
  for (const fetches of rec.fetches.values()) {
    for (const fetch of fetches) {
      if (!order.some((c) => c.xorb === fetch.xorb && fetch.ranges.some((r) => r.chunkStart <= c.index && c.index < r.chunkEnd))) continue;
      const body = await cas.openFetch(fetch, PREFETCH_BYTES);
      for await (const batch of fetchChunks(body, fetch)) {
        for (const c of batch.chunks) {
          got.set(`${fetch.xorb}:${c.index}`, c.data); // no buffer pool: the piece's buffer is the garbage collector's
          received += c.wire;
        }
        batch.release();
      }
    }
  }
  const data = order.map((c, k) => {
    const d = got.get(`${c.xorb}:${c.index}`);
    if (!d) throw new ProtocolError(`${what}: the reconstruction of bytes ${start}-${end - 1} names no fetch for chunk ${c.index} of xorb ${c.xorb.slice(0, 12)}`, {}, 'bad_reconstruction');
    if (d.length !== run[k].length) throw new IntegrityError(`${what}: the CAS sent ${d.length} bytes for a chunk of ${run[k].length}`, {}, 'chunk_mismatch');
    return d;
  });
  return { data, received };
}

/** Which chunk of which xorb each chunk of `run` is, from the range answer's terms (chunk aligned: it starts at `start`). */
function chunkOrder(rec: XetReconstruction, start: number, run: readonly XetTableChunk[], what: string): Array<{ xorb: string; index: number }> {
  if (rec.offsetIntoFirstRange !== 0) throw new ProtocolError(`${what}: the reconstruction of bytes from ${start} starts ${rec.offsetIntoFirstRange} bytes into a chunk (the table said a chunk starts there)`, {}, 'bad_reconstruction');
  const out: Array<{ xorb: string; index: number }> = [];
  for (const t of rec.terms) {
    if (!fetchOf(rec, t)) throw new ProtocolError(`${what}: the reconstruction names no fetch for chunks ${t.chunkStart}-${t.chunkEnd} of xorb ${t.xorb.slice(0, 12)}`, {}, 'bad_reconstruction');
    for (let i = t.chunkStart; i < t.chunkEnd && out.length < run.length; i++) {
      const k = out.length;
      const hash = t.chunks?.hashes[i - t.chunkStart];
      if (hash !== undefined && hash !== run[k].hash) throw new ProtocolError(`${what}: the reconstruction of bytes from ${start} names chunk ${hash.slice(0, 12)} where the file's table has ${run[k].hash.slice(0, 12)}`, {}, 'bad_reconstruction');
      out.push({ xorb: t.xorb, index: i });
    }
  }
  if (out.length < run.length) throw new ProtocolError(`${what}: the reconstruction of bytes from ${start} covers ${out.length} of ${run.length} chunks`, {}, 'bad_reconstruction');
  return out;
}
