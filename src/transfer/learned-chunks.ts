/**
 * Chunks of remote xorbs by xorb and chunk number: what a Xet download learned (recorded once
 * the object verified), or the hashes it expects of chunks to fetch. A 10 GiB download meets
 * ~160,000 chunks; a map entry and an object per chunk cost ~250 bytes each. Here each xorb keeps
 * runs of consecutive chunk numbers (chunks arrive in order within a fetch), 36 bytes a chunk
 * and at most as much again of room to grow, and a run holds only what was learned (a xorb
 * named by a few chunks at its end costs those few).
 */
import type { XorbChunkInfo } from './store-interfaces.js';

/** Chunks [start, end) of one xorb: 32 bytes of hash and a length each, room for more after `end`. */
interface Run {
  start: number;
  end: number;
  hashes: Uint8Array;
  lengths: Uint32Array;
}

export class LearnedChunks {
  /** Each xorb's runs, in order of `start`, none touching another. */
  private readonly byXorb = new Map<string, Run[]>();

  add(xorb: string, c: XorbChunkInfo): void {
    let runs = this.byXorb.get(xorb);
    if (!runs) this.byXorb.set(xorb, (runs = []));
    let k = runBefore(runs, c.index);
    const r = runs[k];
    if (r && c.index < r.end) return write(r, c); // learned again
    if (r && c.index === r.end) write(r, c);
    else runs.splice(++k, 0, newRun(c));
    // the run now ends where the next begins: one run
    const [run, next] = [runs[k], runs[k + 1]];
    if (!next || next.start !== run.end) return;
    for (let i = next.start; i < next.end; i++) write(run, { index: i, hash: next.hashes.subarray(32 * (i - next.start), 32 * (i - next.start) + 32), length: next.lengths[i - next.start] });
    runs.splice(k + 1, 1);
  }

  /** The hash of chunk `index` of `xorb`, if learned. */
  hash(xorb: string, index: number): Uint8Array | undefined {
    const runs = this.byXorb.get(xorb);
    const r = runs?.[runBefore(runs, index)];
    return r && index < r.end ? r.hashes.subarray(32 * (index - r.start), 32 * (index - r.start) + 32) : undefined;
  }

  /** Chunks [start, end) of `xorb` when every one was learned. */
  chunks(xorb: string, start: number, end: number): XorbChunkInfo[] | undefined {
    const runs = this.byXorb.get(xorb);
    const r = runs?.[runBefore(runs, start)];
    if (!r || end > r.end || start >= end) return undefined;
    return infos(r, start, end);
  }

  /** Everything learned, a xorb at a time. */
  *entries(): Iterable<{ xorb: string; chunks: XorbChunkInfo[] }> {
    for (const [xorb, runs] of this.byXorb) yield { xorb, chunks: runs.flatMap((r) => infos(r, r.start, r.end)) };
  }
}

/** Index of the last run starting at or before `index` (-1 when none does). */
function runBefore(runs: readonly Run[], index: number): number {
  let lo = 0;
  let hi = runs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid].start <= index) [found, lo] = [mid, mid + 1];
    else hi = mid - 1;
  }
  return found;
}

function newRun(c: XorbChunkInfo): Run {
  const run: Run = { start: c.index, end: c.index, hashes: new Uint8Array(32 * 16), lengths: new Uint32Array(16) };
  write(run, c);
  return run;
}

/** Writes `c` into `r` (at or right after its end), growing its room when full. */
function write(r: Run, c: XorbChunkInfo): void {
  const at = c.index - r.start;
  if (at >= r.lengths.length) {
    const lengths = new Uint32Array(2 * r.lengths.length);
    const hashes = new Uint8Array(32 * lengths.length);
    lengths.set(r.lengths);
    hashes.set(r.hashes);
    [r.lengths, r.hashes] = [lengths, hashes];
  }
  r.hashes.set(c.hash, 32 * at);
  r.lengths[at] = c.length;
  if (c.index >= r.end) r.end = c.index + 1;
}

function infos(r: Run, start: number, end: number): XorbChunkInfo[] {
  const out: XorbChunkInfo[] = [];
  for (let i = start; i < end; i++) out.push({ index: i, hash: r.hashes.subarray(32 * (i - r.start), 32 * (i - r.start) + 32), length: r.lengths[i - r.start] });
  return out;
}
