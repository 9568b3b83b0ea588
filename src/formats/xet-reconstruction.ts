/**
 * The Xet CAS reconstruction answer (Xet spec download-protocol.md, `QueryReconstructionResponse`
 * of `GET /v1/reconstructions/FILE`, and its v2 form of `GET /v2/reconstructions/FILE`), checked
 * and brought to one shape: ordered terms (chunks [start, end) of a xorb, with the bytes they
 * unpack to) and, per xorb, the fetch ranges a client may GET (a URL, the chunk range it
 * covers and the byte range of its records, end exclusive here; the wire's ends are inclusive).
 * A v2 entry lists several ranges under one URL; each becomes one fetch range with that URL.
 * Pure: no I/O. Every malformed answer is one `Error` naming the field; the caller turns it
 * into its protocol error with the URL.
 */

/** One term: chunks [chunkStart, chunkEnd) of `xorb`, unpacking to `unpackedLength` bytes. */
export interface XetTerm {
  xorb: string;
  chunkStart: number;
  chunkEnd: number;
  unpackedLength: number;
  /** hub serve's extension `hub_chunks` (asked for with `X-Hub-Chunk-Hashes: 1`): the hash (Xet hex) and length of each chunk of the term. */
  chunks?: { hashes: string[]; lengths: number[] };
}

/** Bytes [byteStart, byteEnd) of a xorb's records, holding chunks [chunkStart, chunkEnd). */
export interface XetFetchRange {
  chunkStart: number;
  chunkEnd: number;
  byteStart: number;
  /** Exclusive. */
  byteEnd: number;
}

/**
 * One request a client may make: GET `url` with a Range header of exactly `ranges` (one range,
 * or several, answered as multipart/byteranges): the URL is signed for that value.
 */
export interface XetFetch {
  xorb: string;
  url: string;
  /** Ascending, not overlapping. */
  ranges: XetFetchRange[];
}

/** A reconstruction in one shape, whichever version answered. */
export interface XetReconstruction {
  /** Bytes of the first term's data before the range asked for (0 for a whole file). */
  offsetIntoFirstRange: number;
  terms: XetTerm[];
  /** Xorb hash -> its fetches. */
  fetches: Map<string, XetFetch[]>;
}

/** The Range header value of `fetch` (inclusive ends, as HTTP wants them). */
export function rangeHeader(fetch: XetFetch): string {
  return `bytes=${fetch.ranges.map((r) => `${r.byteStart}-${r.byteEnd - 1}`).join(',')}`;
}

const HEX64 = /^[0-9a-f]{64}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function whole(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** `{start, end}` with whole numbers, `end` greater than `start` (or equal when `inclusive`). */
function range(v: unknown, what: string, inclusive: boolean): { start: number; end: number } {
  if (!isRecord(v) || !whole(v.start) || !whole(v.end) || (inclusive ? v.end < v.start : v.end <= v.start)) throw new Error(`${what} is not a range {start, end}`);
  return { start: v.start, end: v.end };
}

function terms(doc: Record<string, unknown>): XetTerm[] {
  if (!Array.isArray(doc.terms)) throw new Error('no terms list');
  return doc.terms.map((t: unknown, i) => {
    if (!isRecord(t) || typeof t.hash !== 'string' || !HEX64.test(t.hash)) throw new Error(`term ${i} has no xorb hash`);
    if (!whole(t.unpacked_length) || t.unpacked_length === 0) throw new Error(`term ${i} has no unpacked_length`);
    const r = range(t.range, `term ${i}'s range`, false);
    const term: XetTerm = { xorb: t.hash, chunkStart: r.start, chunkEnd: r.end, unpackedLength: t.unpacked_length };
    if (t.hub_chunks !== undefined) term.chunks = hubChunks(t.hub_chunks, term, `term ${i}'s hub_chunks`);
    return term;
  });
}

/** The `hub_chunks` of `term`: one hash and one length per chunk, the lengths adding up to the term's. */
function hubChunks(v: unknown, term: XetTerm, what: string): { hashes: string[]; lengths: number[] } {
  if (!isRecord(v) || !Array.isArray(v.hashes) || !Array.isArray(v.lengths)) throw new Error(`${what} is not {hashes, lengths}`);
  const n = term.chunkEnd - term.chunkStart;
  if (v.hashes.length !== n || v.lengths.length !== n) throw new Error(`${what} lists ${v.hashes.length} hashes and ${v.lengths.length} lengths for ${n} chunks`);
  if (!v.hashes.every((h) => typeof h === 'string' && HEX64.test(h))) throw new Error(`${what} has a hash that is not 64 hex digits`);
  if (!v.lengths.every((l) => whole(l) && l > 0)) throw new Error(`${what} has a length that is not a positive whole number`);
  const total = (v.lengths as number[]).reduce((a, b) => a + b, 0);
  if (total !== term.unpackedLength) throw new Error(`${what}'s lengths add up to ${total}, the term unpacks to ${term.unpackedLength}`);
  return { hashes: v.hashes as string[], lengths: v.lengths as number[] };
}

/** Checks and normalizes a v1 (`fetch_info`) or v2 (`xorbs`) reconstruction answer. */
export function parseXetReconstruction(doc: unknown): XetReconstruction {
  if (!isRecord(doc)) throw new Error('not a JSON object');
  const offset = doc.offset_into_first_range ?? 0;
  if (!whole(offset)) throw new Error('offset_into_first_range is not a whole number');
  const fetches = new Map<string, XetFetch[]>();
  const fetchRange = (chunks: unknown, bytes: unknown, what: string): XetFetchRange => {
    const c = range(chunks, `${what}'s chunk range`, false);
    const b = range(bytes, `${what}'s byte range`, true);
    return { chunkStart: c.start, chunkEnd: c.end, byteStart: b.start, byteEnd: b.end + 1 };
  };
  const add = (xorb: string, url: unknown, ranges: XetFetchRange[], what: string): void => {
    if (typeof url !== 'string' || !url) throw new Error(`${what} has no url`);
    if (!ranges.length) throw new Error(`${what} has no ranges`);
    for (let k = 1; k < ranges.length; k++) {
      if (ranges[k].byteStart < ranges[k - 1].byteEnd || ranges[k].chunkStart < ranges[k - 1].chunkEnd) throw new Error(`${what}'s ranges overlap or are out of order`);
    }
    let list = fetches.get(xorb);
    if (!list) fetches.set(xorb, (list = []));
    list.push({ xorb, url, ranges });
  };
  if (isRecord(doc.xorbs)) {
    for (const [xorb, entries] of Object.entries(doc.xorbs)) {
      if (!HEX64.test(xorb) || !Array.isArray(entries)) throw new Error(`xorbs entry ${xorb.slice(0, 64)} is not a list under a xorb hash`);
      entries.forEach((e: unknown, i) => {
        const what = `xorbs[${xorb}][${i}]`;
        if (!isRecord(e) || !Array.isArray(e.ranges)) throw new Error(`${what} has no ranges`);
        add(xorb, e.url, e.ranges.map((r: unknown, k) => fetchRange(isRecord(r) ? r.chunks : undefined, isRecord(r) ? r.bytes : undefined, `${what}.ranges[${k}]`)), what);
      });
    }
  } else if (isRecord(doc.fetch_info)) {
    for (const [xorb, entries] of Object.entries(doc.fetch_info)) {
      if (!HEX64.test(xorb) || !Array.isArray(entries)) throw new Error(`fetch_info entry ${xorb.slice(0, 64)} is not a list under a xorb hash`);
      entries.forEach((e: unknown, i) => {
        const what = `fetch_info[${xorb}][${i}]`;
        if (!isRecord(e)) throw new Error(`${what} is not an object`);
        add(xorb, e.url, [fetchRange(e.range, e.url_range, what)], what);
      });
    }
  } else throw new Error('neither xorbs (v2) nor fetch_info (v1)');
  return { offsetIntoFirstRange: offset, terms: terms(doc), fetches };
}

/** The fetch, and which of its ranges, that covers chunks [chunkStart, chunkEnd) of `xorb` (the spec guarantees one per term), or undefined. */
export function fetchOf(reconstruction: XetReconstruction, want: { xorb: string; chunkStart: number; chunkEnd: number }): { fetch: XetFetch; range: number } | undefined {
  for (const fetch of reconstruction.fetches.get(want.xorb) ?? []) {
    const range = fetch.ranges.findIndex((r) => r.chunkStart <= want.chunkStart && r.chunkEnd >= want.chunkEnd);
    if (range >= 0) return { fetch, range };
  }
  return undefined;
}
