/** planReconstruction (server/xet-reconstruction.ts) against a brute-force walk of the same terms, for random ranges. */
import { describe, expect, it } from 'vitest';
import type { TermLayout } from '../../../src/store/chunk-api.js';
import { parseSignedRanges, planReconstruction, rangeHeaderOf } from '../../../src/server/xet-reconstruction.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';

/** Terms over two xorbs whose records are laid out as the store writes them (8-byte header + data). */
function layout(rand: () => number): { terms: TermLayout[]; size: number } {
  const xorbs = { a: Array.from({ length: 30 }, () => 1 + Math.floor(rand() * 1000)), b: Array.from({ length: 20 }, () => 1 + Math.floor(rand() * 1000)) };
  const offset = (lengths: number[], i: number) => lengths.slice(0, i).reduce((n, l) => n + 8 + l, 0);
  const term = (xorb: 'a' | 'b', start: number, end: number): TermLayout => {
    const lengths = xorbs[xorb].slice(start, end);
    return { xorb: xorb.repeat(64), chunkStart: start, chunkEnd: end, bytes: lengths.reduce((n, l) => n + l, 0), range: { start: offset(xorbs[xorb], start), end: offset(xorbs[xorb], end) }, lengths };
  };
  // a file that uses xorb a twice (overlapping runs) and b in between
  const terms = [term('a', 2, 12), term('b', 0, 20), term('a', 10, 30), term('a', 0, 3)];
  return { terms, size: terms.reduce((n, t) => n + t.bytes, 0) };
}

describe('planReconstruction', () => {
  it('covers exactly the asked range with whole chunks, the offset into the first, and merged fetch runs', () => {
    const seed = testSeed('xet reconstruction');
    const rand = seededRandom(seed);
    for (let round = 0; round < 300; round++) {
      const { terms, size } = layout(rand);
      const start = Math.floor(rand() * size);
      const end = start + 1 + Math.floor(rand() * (size - start));
      const plan = planReconstruction(terms, start, end);
      // brute force: the file's chunks with their file offsets; the plan must name those overlapping [start, end)
      const chunks = terms.flatMap((t) => t.lengths.map((len, i) => ({ xorb: t.xorb, index: t.chunkStart + i, len })));
      let at = 0;
      const wanted = chunks.filter((c) => {
        const s = at;
        at += c.len;
        return s < end && at > start;
      });
      const named = plan.terms.flatMap((t) => Array.from({ length: t.chunkEnd - t.chunkStart }, (_, i) => `${t.xorb[0]}${t.chunkStart + i}`));
      expect(named, `seed ${seed} round ${round}`).toEqual(wanted.map((c) => `${c.xorb[0]}${c.index}`));
      const firstStart = chunks.slice(0, chunks.indexOf(wanted[0])).reduce((n, c) => n + c.len, 0);
      expect(plan.offsetIntoFirstRange).toBe(start - firstStart);
      for (const t of plan.terms) {
        const xorbLengths = terms.filter((x) => x.xorb === t.xorb).flatMap((x) => x.lengths.map((len, i) => [x.chunkStart + i, len] as const));
        const lengthOf = new Map(xorbLengths);
        let unpacked = 0;
        for (let i = t.chunkStart; i < t.chunkEnd; i++) unpacked += lengthOf.get(i)!;
        expect(t.unpacked).toBe(unpacked);
        // every term is inside one fetch run of its xorb, and the run's bytes are its records'
        const run = plan.fetch.get(t.xorb)!.find((r) => r.chunkStart <= t.chunkStart && r.chunkEnd >= t.chunkEnd);
        expect(run, `seed ${seed}`).toBeDefined();
      }
      for (const [xorb, runs] of plan.fetch) {
        const lengthOf = new Map(terms.filter((x) => x.xorb === xorb).flatMap((x) => x.lengths.map((len, i) => [x.chunkStart + i, len] as const)));
        const recordAt = (k: number) => Array.from({ length: k }, (_, i) => 8 + lengthOf.get(i)!).reduce((n, l) => n + l, 0);
        for (const r of runs) expect([r.byteStart, r.byteEnd], `seed ${seed}`).toEqual([recordAt(r.chunkStart), recordAt(r.chunkEnd)]);
        for (let i = 1; i < runs.length; i++) expect(runs[i].chunkStart).toBeGreaterThan(runs[i - 1].chunkEnd); // merged: no overlap, no contact
        expect(parseSignedRanges(rangeHeaderOf(runs))).toEqual(runs.map((r) => ({ start: r.byteStart, end: r.byteEnd })));
      }
    }
  });

  it('gives the record bytes of each chunk run as the store lays them out', () => {
    const term: TermLayout = { xorb: 'c'.repeat(64), chunkStart: 3, chunkEnd: 6, bytes: 600, range: { start: 1000, end: 1624 }, lengths: [100, 200, 300] };
    const whole = planReconstruction([term], 0, 600);
    expect(whole.terms).toEqual([{ xorb: term.xorb, chunkStart: 3, chunkEnd: 6, unpacked: 600, byteStart: 1000, byteEnd: 1624 }]);
    const middle = planReconstruction([term], 150, 250);
    expect(middle.offsetIntoFirstRange).toBe(50);
    expect(middle.terms).toEqual([{ xorb: term.xorb, chunkStart: 4, chunkEnd: 5, unpacked: 200, byteStart: 1108, byteEnd: 1316 }]);
    // with the chunk hashes (hub's hub_chunks extension), each planned term carries those of its own chunks
    const hashes = ['1', '2', '3'].map((d) => d.repeat(64));
    const tail = planReconstruction([{ ...term, hashes }], 150, 600);
    expect(tail.terms.map((t) => t.chunks)).toEqual([{ hashes: hashes.slice(1), lengths: [200, 300] }]);
  });
});

describe('parseSignedRanges', () => {
  it('reads ascending disjoint ranges and refuses anything else', () => {
    expect(parseSignedRanges('bytes=0-9,20-29')).toEqual([{ start: 0, end: 10 }, { start: 20, end: 30 }]);
    for (const bad of ['bytes=5-4', 'bytes=0-9,5-19', 'bytes=-5', 'bytes=0-', 'items=0-1', 'bytes=0-1, 3-4']) expect(parseSignedRanges(bad), bad).toBeUndefined();
  });
});
