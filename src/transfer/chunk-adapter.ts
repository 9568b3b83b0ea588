/**
 * The `hub-chunks` adapter (docs/protocol.md): moves and verifies the bytes of one object, each
 * request sent through the transfer queue (which retries and holds the slots). Download: the
 * file's reconstruction, terms the store has read locally, the others fetched as the pieces of
 * planned spans (xorb-spans.ts) in parallel and handed on in file order, every chunk with the
 * hash the server named so the writer verifies it. Upload: the server is asked which chunks it
 * lacks, only the xorbs holding them are sent (streamed from disk in pieces, never whole in
 * memory), then the manifest is registered.
 */
import { pacer } from '../abort.js';
import { HubError, IntegrityError, ProtocolError } from '../errors.js';
import { sharedPool } from '../fs/buffer-pool.js';
import { MISSING_PER_REQUEST, type ChunkApi, type Reconstruction, type ReconstructionTerm } from './lfs-client.js';
import type { TransferQueue } from './queue.js';
import type { LocalChunks, ObjectWriter, UploadSource } from './store-interfaces.js';
import type { TransferMeter } from './transfer-queue.js';
import { xorbPieces } from './xorb-pieces.js';
import { PIECE_BYTES, planSpans, SpanParser, type NamedChunk, type RemoteRun, type Span, type SpanStep } from './xorb-spans.js';

/**
 * A part of a download, in order: an item the caller has, or chunks parsed from one piece. The
 * caller calls `release` once nothing it handed the chunks to references them any more: the
 * piece's buffer is then reused (or never: it is then left to the garbage collector).
 */
export type FetchedPart<L> = { local: L } | { chunks: NamedChunk[]; received: number; release: () => void };

/**
 * Spare piece buffers kept for the next window or file: the queue's slots' worth, the pieces the
 * writer holds until they are written (8 MiB of 2 MiB pieces), and the parsers'.
 */
const PIECES_KEPT = 16;

/**
 * The parts of `steps`, yielded in order. The remote pieces are fetched through `q` (in
 * parallel, as many ahead as the queue has slots) from the start, whatever local steps come
 * between them: a pull whose changed chunks sit between long runs the store has receives them
 * while the caller reads those runs. Pieces longer than half of `pieceBytes` are received into
 * reused buffers (fs/buffer-pool.ts), each given back once both its caller and its span's
 * parser (which may keep the piece's last, partial record until the next piece) let go of it.
 * The buffers are this process's for every download after this one (fs/buffer-pool.ts).
 */
export async function* fetchSteps<L>(q: TransferQueue, api: ChunkApi, steps: ReadonlyArray<SpanStep<L>>, pieceBytes = PIECE_BYTES): AsyncGenerator<FetchedPart<L>> {
  const remote = steps.filter((s): s is Extract<SpanStep<L>, { span: Span }> => !('local' in s));
  const pool = sharedPool(pieceBytes, PIECES_KEPT); // one for every window and file of this process
  // a short piece gets a buffer of its own: a reused one would hold pieceBytes for a few bytes
  const alloc = (length: number): Buffer => (length > pieceBytes / 2 ? pool.take(length) : Buffer.allocUnsafe(length));
  const fetched = q.ordered(remote.map((s) => () => api.range(s.span.url, s.from, s.to, alloc)));
  let left = remote.length;
  const ahead = (): Promise<IteratorResult<Uint8Array>> | undefined => {
    if (!left--) return undefined;
    const p = fetched.next();
    p.catch(() => {}); // met when its step comes
    return p;
  };
  let next = ahead();
  /** Each span being parsed, with the release of its parser's hold on the previous piece. */
  const parsers = new Map<Span, { parser: SpanParser; letGo?: () => void }>();
  try {
    for (const step of steps) {
      if ('local' in step) {
        yield { local: step.local };
        continue;
      }
      const got = await next!;
      next = ahead();
      if (got.done) throw new Error('fetchSteps: fewer pieces than steps'); // cannot happen: one request per remote step
      let span = parsers.get(step.span);
      if (!span) parsers.set(step.span, (span = { parser: new SpanParser(step.span) }));
      const piece = got.value;
      const hold = holds(() => pool.give(piece));
      const chunks = span.parser.push(piece, step.last);
      span.letGo?.(); // the parser has copied what it kept of the previous piece
      span.letGo = hold.parser;
      if (step.last) {
        parsers.delete(step.span);
        hold.parser();
      }
      yield { chunks, received: piece.length, release: hold.caller };
    }
  } finally {
    await fetched.return(undefined); // gives back the slots of pieces fetched ahead and not used
  }
}

/** Two holders' releases (each idempotent) of one piece; `free` runs once both let go. */
function holds(free: () => void): { parser: () => void; caller: () => void } {
  let left = 2;
  const once = (): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--left === 0) free();
    };
  };
  return { parser: once(), caller: once() };
}

/** The chunks of `runs`, in order, each with the hash the server named (neighbouring runs fetched together). */
export async function* fetchRuns(q: TransferQueue, api: ChunkApi, runs: readonly RemoteRun[], pieceBytes = PIECE_BYTES): AsyncGenerator<{ chunks: NamedChunk[]; received: number; release: () => void }> {
  for await (const part of fetchSteps<never>(q, api, planSpans(runs.map((run) => ({ run })), pieceBytes), pieceBytes)) if (!('local' in part)) yield part;
}

/** A reconstruction term as a remote run; a term without its chunk hashes cannot be verified. */
function runOf(t: ReconstructionTerm): RemoteRun {
  if (!t.hashes || t.hashes.length !== t.chunkEnd - t.chunkStart) throw new ProtocolError(`${t.url}: the reconstruction names chunks of xorb ${t.xorb} without their hashes`, { data: { url: t.url } }, 'bad_reconstruction');
  return { url: t.url, start: t.range.start, end: t.range.end, hashes: t.hashes };
}

/**
 * File bytes whose reconstruction is asked at once. A larger file's is asked a window at a time,
 * the next one while this one's chunks arrive, so what a download holds of it stays bounded
 * whatever the file's size (every chunk hash of a 100 GiB file is ~110 MB of JSON, 50 MiB packed).
 * 256 MiB rather than 1 GiB: the server builds each window's answer (~4,000 chunk hashes) on a
 * worker and serializes it on its main thread, and a 4 GiB clone then peaked hub serve 20 MiB
 * lower (279 against 297-304 MiB); 40 requests for 10 GiB cost nothing measurable.
 */
export const RECONSTRUCTION_WINDOW = 256 << 20;

/**
 * The reconstruction of `obj` a window at a time, in file order: each window is checked to start
 * where the last one ended and to name bytes within the file, and the next is asked while the
 * caller uses this one. A server that reads no ranges answers the whole file at once.
 */
export async function* reconstructionWindows(q: TransferQueue, api: ChunkApi, obj: { oid: string; size: number }, windowBytes = RECONSTRUCTION_WINDOW): AsyncGenerator<Reconstruction> {
  const ask = (start: number): Promise<Reconstruction> => q.retried(() => api.reconstruction(obj.oid, obj.size > windowBytes ? { start, end: Math.min(obj.size, start + windowBytes) } : undefined));
  const bad = (message: string) => new ProtocolError(`the server's reconstruction of ${obj.oid.slice(0, 12)} ${message}`, { data: { oid: obj.oid } }, 'bad_reconstruction');
  let next: Promise<Reconstruction> | undefined = ask(0);
  try {
    for (let at = 0; next; ) {
      const rec: Reconstruction = await next;
      if (rec.size !== obj.size) throw new IntegrityError(`the server describes ${obj.oid} as ${rec.size} bytes, the pointer says ${obj.size}`, { data: { oid: obj.oid } }, 'size_mismatch');
      if (rec.offset !== at) throw bad(`starts at byte ${rec.offset}, not at byte ${at} where the part before ended`);
      const end: number = at + rec.terms.reduce((n: number, t: ReconstructionTerm) => n + t.bytes, 0);
      if (end > obj.size || (end === at && at < obj.size)) throw bad(`names ${end - at} bytes from byte ${at} of a ${obj.size}-byte file`);
      next = end < obj.size ? ask(end) : undefined;
      next?.catch(() => {}); // met on the next turn
      yield rec;
      at = end;
    }
  } finally {
    await next?.catch(() => {}); // (an error, or a caller that stopped: the window asked ahead is not left running)
  }
}

/** Receives one object into `writer`; returns the response bytes received. The caller finishes or aborts the writer. */
export async function receiveChunks<L, R>(q: TransferQueue, api: ChunkApi, obj: { oid: string; size: number }, local: LocalChunks<L>, writer: ObjectWriter<L, R>, meter: TransferMeter, pieceBytes = PIECE_BYTES, windowBytes = RECONSTRUCTION_WINDOW): Promise<number> {
  const checkpoint = pacer(q.signal);
  let received = 0;
  for await (const rec of reconstructionWindows(q, api, obj, windowBytes)) received += await receiveTerms(q, api, rec.terms, local, writer, meter, { checkpoint, oid: obj.oid, pieceBytes });
  return received;
}

/** Receives the chunks of `terms` (one window of a file's, in order) into `writer`; returns the response bytes received. */
async function receiveTerms<L, R>(q: TransferQueue, api: ChunkApi, terms: ReconstructionTerm[], local: LocalChunks<L>, writer: ObjectWriter<L, R>, meter: TransferMeter, o: { checkpoint: () => Promise<void>; oid: string; pieceBytes: number }): Promise<number> {
  const what = `fetching ${o.oid.slice(0, 12)}`;
  const items = terms.map((t): { local: ReconstructionTerm } | { run: RemoteRun } => {
    const run = runOf(t);
    return local.has(run.hashes) ? { local: t } : { run };
  });
  let received = 0;
  for await (const part of fetchSteps(q, api, planSpans(items, o.pieceBytes), o.pieceBytes)) {
    await o.checkpoint(); // local terms are read without any request that would notice an abort
    if ('local' in part) {
      const hashes = part.local.hashes!;
      const where = local.locate(hashes);
      if (!where) throw new IntegrityError(`chunks of ${o.oid.slice(0, 12)} vanished from the local store`, {}, 'missing_chunk');
      // read on the thread pool, run by run: the pieces fetched ahead keep arriving meanwhile
      await local.readEach(where, async (data, from, release) => {
        data.forEach((d, k) => writer.localChunk(hashes.at(from + k)!, d, where[from + k]));
        writer.whenWritten?.(release); // without it, the run's buffer is never reused
        await writer.drained?.();
      });
      meter.skip(part.local.bytes); // from the local store: no bytes on the wire
    } else {
      let bytes = 0;
      writer.expect?.(part.chunks.map((c) => c.hash));
      for (const c of part.chunks) {
        writer.chunk(c.hash, c.data, what);
        bytes += c.data.length;
      }
      writer.whenWritten?.(part.release); // without it, the piece's buffer is never reused
      received += part.received;
      meter.add(bytes);
    }
    await writer.drained?.();
  }
  return received;
}

/**
 * Sends one local xorb through the queue, streamed from disk; returns its size. Progress moves
 * as its pieces go out: `logical` bytes of the file's total (the file's bytes in this xorb)
 * spread over the xorb's bytes on the wire, taken back when a retry starts over.
 */
async function sendXorb(q: TransferQueue, api: ChunkApi, source: UploadSource, xorb: string, meter?: TransferMeter, logical = 0): Promise<number> {
  const h = source.openXorb(xorb);
  const size = h.size;
  h.close();
  let wire = 0;
  let counted = 0;
  const sent = (n: number): void => {
    wire += n;
    const upTo = size ? Math.floor((logical * wire) / size) : logical;
    meter?.move(upTo - counted, n);
    counted = upTo;
  };
  await q.inSlot(() => {
    meter?.move(-counted, 0); // a retry sends it again from the start
    counted = 0;
    wire = 0;
    return api.putXorb(xorb, size, () => xorbPieces(source, xorb, sent));
  });
  meter?.move(logical - counted, 0);
  return size;
}

/**
 * The xorbs of `xorbs` holding a chunk the server lacks: first which xorbs it holds whole (one
 * hash a xorb), then the chunks of the others, asked a request's worth of hashes at a time: the
 * hex hashes of one request are all that is held at once, where asking for every chunk of the
 * file at once held all of them and the answer (two strings a chunk: 26 MiB for a 10 GiB file,
 * most of what a push's memory grew by with the file).
 *
 * `onLacking` hears of each lacking xorb as soon as the answer naming it arrives, and the first
 * xorb not held whole is asked about alone: its upload can start while the others are asked
 * about (a first push of 512 MiB asked about all 8,300 chunks at once, and nothing moved for the
 * ~180 ms that took at both ends).
 */
export async function xorbsServerLacks(q: TransferQueue, api: ChunkApi, source: Pick<UploadSource, 'chunksOf'>, xorbs: readonly string[], perRequest = MISSING_PER_REQUEST, onLacking: (xorb: string) => void = () => {}): Promise<Set<string>> {
  const lacking = new Set<string>();
  let asked = 0;
  let hashes: string[] = [];
  let owners: Array<{ xorb: string; from: number; to: number }> = [];
  const ask = async (): Promise<void> => {
    if (!owners.length) return;
    const batch = hashes;
    const missing = new Set(await q.retried(() => api.missing(batch)));
    asked++;
    for (const o of owners) {
      for (let i = o.from; i < o.to; i++) {
        if (missing.has(batch[i])) {
          lacking.add(o.xorb);
          onLacking(o.xorb);
          break;
        }
      }
    }
    hashes = [];
    owners = [];
  };
  // whole xorbs first: the server holds most of a new revision's xorbs already, and asking for
  // each of their chunks cost ~90 ms of CPU per 512 MiB of file at both ends
  const held = xorbs.length ? await q.retried(() => api.heldXorbs(xorbs)) : undefined;
  for (const x of xorbs) {
    if (held?.has(x)) continue;
    const own = source.chunksOf(x);
    if (hashes.length && (asked === 0 || hashes.length + own.length > perRequest)) await ask();
    owners.push({ xorb: x, from: hashes.length, to: hashes.length + own.length });
    for (const h of own) hashes.push(h);
  }
  await ask();
  return lacking;
}

/**
 * Uploads one object: the xorbs with chunks the server lacks (in parallel), then the manifest.
 * Returns the xorb bytes sent. `onRegistering`: as ChunkApi.putReconstruction's.
 */
export async function sendChunks(q: TransferQueue, api: ChunkApi, oid: string, source: UploadSource, meter: TransferMeter, onRegistering?: () => void): Promise<number> {
  const manifest = source.manifest(oid);
  const xorbs = [...new Set(manifest.terms.map((t) => t.xorb))];
  const bytesIn = new Map<string, number>();
  for (const t of manifest.terms) bytesIn.set(t.xorb, (bytesIn.get(t.xorb) ?? 0) + t.bytes);
  let sent = 0;
  const unsent = new Set(xorbs);
  // each lacking xorb is sent as soon as an answer names it, while the rest are asked about
  const uploads: Promise<void>[] = [];
  const upload = (x: string): void => {
    const p = sendXorb(q, api, source, x, meter, bytesIn.get(x)!).then((n) => {
      sent += n;
      unsent.delete(x);
    });
    p.catch(() => {}); // (met below, once the questions are done)
    uploads.push(p);
  };
  let lacking: Set<string>;
  try {
    lacking = await xorbsServerLacks(q, api, source, xorbs, MISSING_PER_REQUEST, upload);
  } catch (err) {
    await Promise.allSettled(uploads); // none left running behind the failure
    throw err;
  }
  for (const x of xorbs) if (!lacking.has(x)) meter.skip(bytesIn.get(x)!); // the server has all of it
  await Promise.all(uploads);
  try {
    await q.retried(() => api.putReconstruction(oid, manifest, onRegistering));
  } catch (err) {
    if (!namesUnknownXorb(err) || !unsent.size) throw err;
    // The server has every chunk, but in xorbs of its own: this store packed them differently
    // (a clone packs what it fetched into new xorbs), so the manifest names xorbs the server
    // never saw. Send those xorbs (the server verifies them and lets this writer name them), then
    // register again (docs/protocol.md, "Upload").
    for (const n of await Promise.all([...unsent].map((x) => sendXorb(q, api, source, x)))) sent += n; // (their bytes were counted as skipped)
    await q.retried(() => api.putReconstruction(oid, manifest, onRegistering));
  }
  return sent;
}

/** True for hub serve's refusal of a manifest naming chunks it does not have in the xorbs named. */
function namesUnknownXorb(err: unknown): boolean {
  return err instanceof HubError && err.data?.status === 422 && err.data?.serverCode === 'missing_chunk';
}
