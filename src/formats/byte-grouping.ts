/**
 * Xet's 4-byte grouping (BG4), the transform under compression scheme 2 (Xet spec, xorb.md
 * "Byte Grouping LZ4 Compression"): byte i of the chunk goes to group i % 4, the groups are
 * concatenated in order 0..3. When the length is not a multiple of 4 the first `length % 4`
 * groups are one byte longer (group g holds ceil((n - g) / 4) bytes).
 */

function groupStarts(n: number): [number, number, number, number] {
  const q = n >>> 2;
  const r = n & 3;
  const s1 = q + (r > 0 ? 1 : 0);
  const s2 = s1 + q + (r > 1 ? 1 : 0);
  const s3 = s2 + q + (r > 2 ? 1 : 0);
  return [0, s1, s2, s3];
}

/** Groups `data` by byte position modulo 4 (the encoder side), into the start of `into` when it is long enough. */
export function bg4Split(data: Uint8Array, into?: Uint8Array): Uint8Array {
  const n = data.length;
  const out = into && into.length >= n ? into.subarray(0, n) : new Uint8Array(n);
  const [, s1, s2, s3] = groupStarts(n);
  const q = n >>> 2;
  for (let i = 0, j = 0; i < q; i++, j += 4) {
    out[i] = data[j];
    out[s1 + i] = data[j + 1];
    out[s2 + i] = data[j + 2];
    out[s3 + i] = data[j + 3];
  }
  const r = n & 3;
  if (r > 0) out[q] = data[4 * q];
  if (r > 1) out[s1 + q] = data[4 * q + 1];
  if (r > 2) out[s2 + q] = data[4 * q + 2];
  return out;
}

/** Undoes bg4Split: interleaves the four groups of `grouped` back into the original order. */
export function bg4Join(grouped: Uint8Array): Uint8Array {
  const n = grouped.length;
  const out = new Uint8Array(n);
  const [, s1, s2, s3] = groupStarts(n);
  const q = n >>> 2;
  for (let i = 0, j = 0; i < q; i++, j += 4) {
    out[j] = grouped[i];
    out[j + 1] = grouped[s1 + i];
    out[j + 2] = grouped[s2 + i];
    out[j + 3] = grouped[s3 + i];
  }
  const r = n & 3;
  if (r > 0) out[4 * q] = grouped[q];
  if (r > 1) out[4 * q + 1] = grouped[s1 + q];
  if (r > 2) out[4 * q + 2] = grouped[s2 + q];
  return out;
}
