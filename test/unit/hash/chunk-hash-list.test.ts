import { describe, expect, it } from 'vitest';
import { ChunkHashList } from '../../../src/hash/chunk-hash-list.js';
import { fromXetHex, xetHex } from '../../../src/hash/xet-hex.js';
import { seededRandom } from '../../helpers/seed.js';

const SEED = 7321;

/** `n` random hashes from `rand`. */
function hashes(rand: () => number, n: number): Uint8Array[] {
  return Array.from({ length: n }, () => Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
}

describe(`ChunkHashList (seed ${SEED})`, () => {
  it('holds the hashes it was made of, from bytes or from Xet hex, and concatenates in order', () => {
    const rand = seededRandom(SEED);
    const a = hashes(rand, 5);
    const b = hashes(rand, 3);
    const fromBytes = ChunkHashList.of(a);
    const fromHex = ChunkHashList.fromHex(b.map((h) => xetHex(h)))!;
    expect(fromBytes.length).toBe(5);
    expect(fromHex.length).toBe(3);
    a.forEach((h, i) => expect(Buffer.from(fromBytes.at(i)!).equals(Buffer.from(h))).toBe(true));
    b.forEach((h, i) => expect(fromHex.hex(i)).toBe(xetHex(h)));
    const both = ChunkHashList.concat([fromBytes, fromHex]);
    expect(both.length).toBe(8);
    [...a, ...b].forEach((h, i) => expect(both.hex(i)).toBe(xetHex(h)));
    expect(both.at(8)).toBeUndefined();
    expect(both.at(-1)).toBeUndefined();
    expect(() => both.hex(8)).toThrow(RangeError);
    expect(Buffer.from(both.at(2)!).equals(Buffer.from(fromXetHex(xetHex(a[2]))))).toBe(true);
  });

  it('refuses hex that is not 64 lowercase digits, and bytes that are not whole hashes', () => {
    const good = xetHex(hashes(seededRandom(SEED + 1), 1)[0]);
    expect(ChunkHashList.fromHex([good])).toBeDefined();
    for (const bad of [good.toUpperCase(), good.slice(1), `${good}0`, 'g'.repeat(64), 42, null]) expect(ChunkHashList.fromHex([good, bad]), String(bad)).toBeUndefined();
    expect(() => new ChunkHashList(new Uint8Array(33))).toThrow(RangeError);
    expect(() => ChunkHashList.of([new Uint8Array(31)])).toThrow(RangeError);
    expect(ChunkHashList.fromHex([])!.length).toBe(0);
  });
});
