/**
 * GGML tensor types as GGUF files number them (ggml.h `enum ggml_type`), with the block size
 * (elements per block) and bytes per block that give a tensor's byte size. Numbers that were
 * removed from ggml (4, 5, 31-33, 36-38) and types whose on-disk size sources disagree on
 * (Q8_1: 36 bytes in ggml.c, 40 in gguf-py; never written to files) have no size: the diff then
 * takes a tensor's extent from the next tensor's offset.
 */

interface GgmlType {
  name: string;
  block?: number;
  bytes?: number;
}

const TYPES: ReadonlyMap<number, GgmlType> = new Map<number, GgmlType>([
  [0, { name: 'F32', block: 1, bytes: 4 }],
  [1, { name: 'F16', block: 1, bytes: 2 }],
  [2, { name: 'Q4_0', block: 32, bytes: 18 }],
  [3, { name: 'Q4_1', block: 32, bytes: 20 }],
  [6, { name: 'Q5_0', block: 32, bytes: 22 }],
  [7, { name: 'Q5_1', block: 32, bytes: 24 }],
  [8, { name: 'Q8_0', block: 32, bytes: 34 }],
  [9, { name: 'Q8_1' }],
  [10, { name: 'Q2_K', block: 256, bytes: 84 }],
  [11, { name: 'Q3_K', block: 256, bytes: 110 }],
  [12, { name: 'Q4_K', block: 256, bytes: 144 }],
  [13, { name: 'Q5_K', block: 256, bytes: 176 }],
  [14, { name: 'Q6_K', block: 256, bytes: 210 }],
  [15, { name: 'Q8_K', block: 256, bytes: 292 }],
  [16, { name: 'IQ2_XXS', block: 256, bytes: 66 }],
  [17, { name: 'IQ2_XS', block: 256, bytes: 74 }],
  [18, { name: 'IQ3_XXS', block: 256, bytes: 98 }],
  [19, { name: 'IQ1_S', block: 256, bytes: 50 }],
  [20, { name: 'IQ4_NL', block: 32, bytes: 18 }],
  [21, { name: 'IQ3_S', block: 256, bytes: 110 }],
  [22, { name: 'IQ2_S', block: 256, bytes: 82 }],
  [23, { name: 'IQ4_XS', block: 256, bytes: 136 }],
  [24, { name: 'I8', block: 1, bytes: 1 }],
  [25, { name: 'I16', block: 1, bytes: 2 }],
  [26, { name: 'I32', block: 1, bytes: 4 }],
  [27, { name: 'I64', block: 1, bytes: 8 }],
  [28, { name: 'F64', block: 1, bytes: 8 }],
  [29, { name: 'IQ1_M', block: 256, bytes: 56 }],
  [30, { name: 'BF16', block: 1, bytes: 2 }],
  [34, { name: 'TQ1_0', block: 256, bytes: 54 }],
  [35, { name: 'TQ2_0', block: 256, bytes: 66 }],
  [39, { name: 'MXFP4', block: 32, bytes: 17 }],
]);

/** The dtype name of a GGML type number (`Q4_K`), or `GGML_TYPE_<n>` for numbers hub does not know. */
export function ggmlTypeName(type: number): string {
  return TYPES.get(type)?.name ?? `GGML_TYPE_${type}`;
}

/**
 * Byte size of `elements` elements of GGML type `type`: a number, undefined when the type's size
 * is unknown, or an error string when `elements` is not a whole number of blocks.
 */
export function ggmlTensorBytes(type: number, elements: number): number | undefined | { error: string } {
  const t = TYPES.get(type);
  if (t?.block === undefined || t.bytes === undefined) return undefined;
  if (elements % t.block !== 0) return { error: `${elements} elements is not a whole number of ${t.name} blocks of ${t.block}` };
  return (elements / t.block) * t.bytes;
}
