/**
 * A file's Xet reconstruction (docs/protocol.md "Xet"; Xet spec download-protocol.md) from the
 * terms of the store's manifest with their xorb byte ranges (store/chunk-api.ts termLayouts): the
 * terms that cover a byte range of the file, trimmed to whole chunks, with
 * `offset_into_first_range`, and per xorb the merged chunk runs and record byte ranges to fetch.
 * Pure: the caller signs the fetch URLs (xet-tokens.ts) and shapes the v1 or v2 answer.
 *
 * The store keeps records uncompressed (8-byte header + data), so the record of chunk k of a term
 * starts at `range.start + sum over the chunks before it of (8 + length)`.
 */
import type { TermLayout } from '../store/chunk-api.js';
import { CHUNK_HEADER_BYTES } from '../formats/xorb.js';

/** One term of the answer: chunks [chunkStart, chunkEnd) of `xorb`, their records at bytes [byteStart, byteEnd). */
export interface PlannedTerm {
  xorb: string;
  chunkStart: number;
  chunkEnd: number;
  unpacked: number;
  byteStart: number;
  byteEnd: number;
  /** Hash (Xet hex) and length of each of its chunks, when the layouts carried them (hub's `hub_chunks` extension, docs/protocol.md). */
  chunks?: { hashes: string[]; lengths: number[] };
}

/** A merged run of chunks of one xorb to fetch, with its records' bytes [byteStart, byteEnd). */
export interface FetchRun {
  chunkStart: number;
  chunkEnd: number;
  byteStart: number;
  byteEnd: number;
}

/** The planned answer for bytes [start, end) of a file. */
export interface ReconstructionPlan {
  offsetIntoFirstRange: number;
  terms: PlannedTerm[];
  /** Per xorb, in the order the terms first name it: its runs sorted by chunk. */
  fetch: Map<string, FetchRun[]>;
}

/** The terms covering bytes [start, end) of the file whose terms are `terms` (0 <= start < end <= file size). */
export function planReconstruction(terms: ReadonlyArray<TermLayout & { hashes?: string[] }>, start: number, end: number): ReconstructionPlan {
  const out: PlannedTerm[] = [];
  let offsetIntoFirstRange = 0;
  let pos = 0;
  for (const t of terms) {
    const termEnd = pos + t.bytes;
    if (termEnd <= start) {
      pos = termEnd;
      continue;
    }
    if (pos >= end) break;
    const n = t.lengths.length;
    let first = 0;
    let at = pos;
    let record = t.range.start;
    while (first < n - 1 && at + t.lengths[first] <= start) {
      at += t.lengths[first];
      record += CHUNK_HEADER_BYTES + t.lengths[first];
      first++;
    }
    if (out.length === 0) offsetIntoFirstRange = start - at;
    const byteStart = record;
    let last = first;
    let unpacked = 0;
    while (last < n && at + unpacked < end) {
      unpacked += t.lengths[last];
      record += CHUNK_HEADER_BYTES + t.lengths[last];
      last++;
    }
    const chunks = t.hashes ? { hashes: t.hashes.slice(first, last), lengths: t.lengths.slice(first, last) } : undefined;
    out.push({ xorb: t.xorb, chunkStart: t.chunkStart + first, chunkEnd: t.chunkStart + last, unpacked, byteStart, byteEnd: record, ...(chunks ? { chunks } : {}) });
    pos = termEnd;
  }
  return { offsetIntoFirstRange, terms: out, fetch: fetchRuns(out) };
}

/** The runs of each xorb the terms need, overlapping or adjacent runs merged (a chunk is fetched once). */
function fetchRuns(terms: readonly PlannedTerm[]): Map<string, FetchRun[]> {
  const byXorb = new Map<string, FetchRun[]>();
  for (const t of terms) {
    let runs = byXorb.get(t.xorb);
    if (!runs) byXorb.set(t.xorb, (runs = []));
    runs.push({ chunkStart: t.chunkStart, chunkEnd: t.chunkEnd, byteStart: t.byteStart, byteEnd: t.byteEnd });
  }
  for (const [xorb, runs] of byXorb) {
    runs.sort((a, b) => a.chunkStart - b.chunkStart);
    const merged: FetchRun[] = [];
    for (const r of runs) {
      const prev = merged[merged.length - 1];
      if (prev && r.chunkStart <= prev.chunkEnd) {
        if (r.chunkEnd > prev.chunkEnd) {
          prev.chunkEnd = r.chunkEnd;
          prev.byteEnd = r.byteEnd;
        }
      } else merged.push({ ...r });
    }
    byXorb.set(xorb, merged);
  }
  return byXorb;
}

/** The `Range` value that fetches `runs` (inclusive ends, as HTTP wants them). */
export function rangeHeaderOf(runs: readonly FetchRun[]): string {
  return `bytes=${runs.map((r) => `${r.byteStart}-${r.byteEnd - 1}`).join(',')}`;
}

/** Parses a signed multi-range value (`bytes=a-b,c-d`, ascending, not overlapping) into [start, end) pairs; undefined when malformed. */
export function parseSignedRanges(value: string): Array<{ start: number; end: number }> | undefined {
  const m = /^bytes=(\d{1,15}-\d{1,15}(?:,\d{1,15}-\d{1,15}){0,999})$/.exec(value);
  if (!m) return undefined;
  const ranges = m[1].split(',').map((p) => {
    const [a, b] = p.split('-').map(Number);
    return { start: a, end: b + 1 };
  });
  for (let i = 0; i < ranges.length; i++) {
    if (ranges[i].end <= ranges[i].start || (i > 0 && ranges[i].start < ranges[i - 1].end)) return undefined;
  }
  return ranges;
}
