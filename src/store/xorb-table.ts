/**
 * A xorb's chunk table: the hash and record of every chunk, what an object-store backend keeps
 * beside each xorb so that a reader needs no header scan (a scan reads the whole object when it
 * is not a local file) and a server can index a xorb it has never seen from a few kilobytes.
 * Serialized as the Xet xorb footer (`XorbObjectInfo`, formats/xorb-footer.ts), kept apart from
 * the xorb: the same bytes a Xet xorb carries at its end.
 */
import { FormatError } from '../errors.js';
import { CHUNK_HEADER_BYTES, type XorbRecord } from '../formats/xorb.js';
import { encodeXorbFooter, parseXorbFooter, XORB_NONCE_BYTES } from '../formats/xorb-footer.js';
import { fromXetHex } from '../hash/xet-hex.js';

/** The chunks of one xorb: record k holds the chunk whose keyed BLAKE3 is `hashes[k]`. */
export interface ChunkTable {
  /** Bytes of the xorb (its records; store xorbs have no footer). */
  size: number;
  records: XorbRecord[];
  hashes: Uint8Array[];
}

/** The table of a xorb whose chunks, in order, have these hashes and data lengths (uncompressed records, as the store writes them). */
export function chunkTable(chunks: ReadonlyArray<{ hash: Uint8Array; length: number }>): ChunkTable {
  const records: XorbRecord[] = [];
  let offset = 0;
  chunks.forEach((c, index) => {
    records.push({ index, offset, dataOffset: offset + CHUNK_HEADER_BYTES, length: c.length });
    offset += CHUNK_HEADER_BYTES + c.length;
  });
  return { size: offset, records, hashes: chunks.map((c) => c.hash) };
}

/** The table as a detached Xet footer of xorb `xorb`. */
export function encodeChunkTable(xorb: string, table: ChunkTable): Uint8Array {
  let unpacked = 0;
  return encodeXorbFooter({
    xorbHash: fromXetHex(xorb),
    chunkHashes: table.hashes,
    boundaryOffsets: table.records.map((r) => r.dataOffset + r.length),
    unpackedOffsets: table.records.map((r) => (unpacked += r.length)),
    nonce: new Uint8Array(XORB_NONCE_BYTES),
  });
}

/** Decodes the table kept beside xorb `xorb`; FormatError `bad_xorb` when it is not one, or names another xorb. */
export function decodeChunkTable(xorb: string, bytes: Uint8Array): ChunkTable {
  const { footer, start } = parseXorbFooter(bytes, 0, Number.MAX_SAFE_INTEGER);
  if (start !== 0) throw new FormatError(`the chunk table of xorb ${xorb} has ${start} stray bytes before it`, {}, 'bad_xorb');
  if (Buffer.compare(footer.xorbHash, fromXetHex(xorb)) !== 0) throw new FormatError(`the chunk table kept for xorb ${xorb} describes another xorb`, {}, 'bad_xorb');
  const records: XorbRecord[] = [];
  let offset = 0;
  let unpacked = 0;
  footer.boundaryOffsets.forEach((end, index) => {
    const length = end - offset - CHUNK_HEADER_BYTES;
    unpacked += length;
    if (length <= 0 || footer.unpackedOffsets[index] !== unpacked) throw new FormatError(`the chunk table of xorb ${xorb}: record ${index} is not an uncompressed chunk record`, {}, 'bad_xorb');
    records.push({ index, offset, dataOffset: offset + CHUNK_HEADER_BYTES, length });
    offset = end;
  });
  if (records.length === 0) throw new FormatError(`the chunk table of xorb ${xorb} lists no chunks`, {}, 'bad_xorb');
  return { size: offset, records, hashes: footer.chunkHashes };
}
