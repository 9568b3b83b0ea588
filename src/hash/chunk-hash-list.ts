/**
 * Chunk hashes packed in one buffer, 32 raw bytes each (the bytes fromXetHex gives). A clone or
 * a pull holds the hashes of every chunk of a file while it runs, 164,000 of them for a 10 GiB
 * model: as Xet hex strings in arrays that was 88 bytes of heap per chunk (14 MiB, most of what
 * grew with the file in a heap snapshot of a 10 GiB clone); packed it is 32 bytes, in one object
 * per term, and no hex is parsed again when the chunks are checked.
 */
import { xetHex, xetHexInto } from './xet-hex.js';

const HASH_BYTES = 32;

/** Chunk hashes in order, packed. */
export class ChunkHashList {
  /** How many hashes. */
  readonly length: number;

  constructor(readonly bytes: Uint8Array) {
    if (bytes.length % HASH_BYTES) throw new RangeError(`ChunkHashList: ${bytes.length} bytes is not a whole number of hashes`);
    this.length = bytes.length / HASH_BYTES;
  }

  /** The list of `hexes` (Xet hex form); undefined when any is not 64 lowercase hex digits. */
  static fromHex(hexes: readonly unknown[]): ChunkHashList | undefined {
    const out = new Uint8Array(hexes.length * HASH_BYTES);
    for (let i = 0; i < hexes.length; i++) {
      const h = hexes[i];
      if (typeof h !== 'string' || !xetHexInto(h, out, i * HASH_BYTES)) return undefined;
    }
    return new ChunkHashList(out);
  }

  /** The list of raw 32-byte `hashes`. */
  static of(hashes: readonly Uint8Array[]): ChunkHashList {
    const out = new Uint8Array(hashes.length * HASH_BYTES);
    hashes.forEach((h, i) => {
      if (h.length !== HASH_BYTES) throw new RangeError(`ChunkHashList: a hash of ${h.length} bytes`);
      out.set(h, i * HASH_BYTES);
    });
    return new ChunkHashList(out);
  }

  /** `lists` one after the other. */
  static concat(lists: readonly ChunkHashList[]): ChunkHashList {
    if (lists.length === 1) return lists[0];
    const out = new Uint8Array(lists.reduce((n, l) => n + l.bytes.length, 0));
    let at = 0;
    for (const l of lists) {
      out.set(l.bytes, at);
      at += l.bytes.length;
    }
    return new ChunkHashList(out);
  }

  /** Hash `i` (a view into the list), or undefined past the end. */
  at(i: number): Uint8Array | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) return undefined;
    return this.bytes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
  }

  /** Hash `i` in Xet hex form. */
  hex(i: number): string {
    const h = this.at(i);
    if (!h) throw new RangeError(`ChunkHashList: no hash ${i} of ${this.length}`);
    return xetHex(h);
  }
}
