/**
 * Xet chunk records (any compression scheme, xet-xorb.ts) parsed from a byte stream that arrives
 * in pieces of any size: a xorb range received from a CAS. Each whole record comes out as its
 * header fields and a view of its stored bytes; only a record that straddles two pieces is
 * copied, and the incomplete record left at the end of a piece is copied too, so the stream holds
 * no view of a piece once `push` returns (the caller may reuse its buffer as soon as it is done
 * with the records). Headers are checked as xet-xorb.ts checks them (version, scheme, lengths
 * within the limits) before their bytes are awaited, so a lying length costs no more than the
 * limit. Pure.
 */
import { decodeXetChunkHeader } from './xet-xorb.js';
import { CHUNK_HEADER_BYTES } from './xorb.js';

/** One record as stored: `stored` decodes (scheme `scheme`) to `length` bytes. */
export interface XetRawRecord {
  scheme: number;
  length: number;
  stored: Uint8Array;
}

/** Parses records across piece boundaries; see the module comment. */
export class XetRecordStream {
  private carry: Uint8Array = new Uint8Array(0);
  /** Bytes of the stream consumed into whole records so far. */
  private consumed = 0;

  /** The whole records completed by `piece`, in order. Throws FormatError `bad_xorb` on a malformed header. */
  push(piece: Uint8Array): XetRawRecord[] {
    const out: XetRawRecord[] = [];
    let buf = piece;
    if (this.carry.length) {
      const need = this.needs(this.carry, piece);
      if (need === undefined || need > piece.length) {
        this.carry = Buffer.concat([this.carry, piece]); // a copy
        return out;
      }
      const joined = Buffer.concat([this.carry, piece.subarray(0, need)]);
      this.carry = new Uint8Array(0);
      this.records(joined, out);
      buf = piece.subarray(need);
    }
    const end = this.records(buf, out);
    this.carry = new Uint8Array(buf.subarray(end)); // a copy: see the module comment
    return out;
  }

  /** Bytes received that do not yet make a whole record (0 at a clean end of stream). */
  get pending(): number {
    return this.carry.length;
  }

  /** Bytes of `piece` that complete the record begun in `carry`, or undefined while its header is incomplete even with them. */
  private needs(carry: Uint8Array, piece: Uint8Array): number | undefined {
    const fromPiece = Math.max(0, CHUNK_HEADER_BYTES - carry.length);
    if (fromPiece > piece.length) return undefined;
    const head = fromPiece ? Buffer.concat([carry, piece.subarray(0, fromPiece)]) : carry;
    const { storedLength } = decodeXetChunkHeader(head, 0, `chunk record at byte ${this.consumed} of the range`);
    return CHUNK_HEADER_BYTES + storedLength - carry.length;
  }

  /** Parses the whole records of `buf` into `out`; returns where the first incomplete one starts. */
  private records(buf: Uint8Array, out: XetRawRecord[]): number {
    let at = 0;
    while (buf.length - at >= CHUNK_HEADER_BYTES) {
      const { scheme, storedLength, length } = decodeXetChunkHeader(buf, at, `chunk record at byte ${this.consumed} of the range`);
      if (buf.length - at - CHUNK_HEADER_BYTES < storedLength) break;
      out.push({ scheme, length, stored: buf.subarray(at + CHUNK_HEADER_BYTES, at + CHUNK_HEADER_BYTES + storedLength) });
      at += CHUNK_HEADER_BYTES + storedLength;
      this.consumed += CHUNK_HEADER_BYTES + storedLength;
    }
    return at;
  }
}
