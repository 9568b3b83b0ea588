/**
 * Xet's hex form of a 32-byte hash: the hash is read as four little-endian u64 words and each
 * word is printed as 16 hex digits, so the bytes of every 8-byte group appear reversed relative
 * to plain hex. This is the form on the wire, in file names and in manifests.
 */

/**
 * Formats a 32-byte hash in Xet hex form. The digits come from one Buffer conversion, as one flat
 * string: appending 32 two-digit pieces made a rope of 32 leaves (about 1 KiB of heap per hash
 * instead of 80 bytes), and a diff or a server holding the hashes of every chunk of a 2 GiB file
 * held 60 MiB of them.
 */
export function xetHex(hash: Uint8Array): string {
  if (hash.length !== 32) throw new RangeError(`xetHex: expected 32 bytes, got ${hash.length}`);
  const swapped = Buffer.allocUnsafe(32);
  for (let group = 0; group < 32; group += 8) {
    for (let i = 0; i < 8; i++) swapped[group + i] = hash[group + 7 - i];
  }
  return swapped.toString('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses Xet hex form back into the 32 raw hash bytes (throws RangeError on bad input). */
export function fromXetHex(hex: string): Uint8Array {
  const out = new Uint8Array(32);
  if (!xetHexInto(hex, out, 0)) throw new RangeError(`not a 64-digit lowercase hex hash: ${hex.slice(0, 80)}`);
  return out;
}

/**
 * Writes the 32 raw bytes of the Xet hex `hex` into `out` at `at`; false, writing nothing, when
 * it is not 64 lowercase hex digits. One validation and one hex decode per hash: a clone parses
 * every chunk hash of the file through here (ChunkHashList.fromHex).
 */
export function xetHexInto(hex: string, out: Uint8Array, at: number): boolean {
  if (!HEX64.test(hex)) return false;
  const plain = Buffer.from(hex, 'hex');
  for (let group = 0; group < 32; group += 8) {
    for (let i = 0; i < 8; i++) out[at + group + i] = plain[group + 7 - i];
  }
  return true;
}

/** Plain lowercase hex of any byte string (sha256 oids use this form). */
export function plainHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

