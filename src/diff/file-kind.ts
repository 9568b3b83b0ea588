/**
 * How `hub diff` compares a file, chosen by its name (and for unknown names by its bytes):
 * tensors (safetensors, a sharded safetensors index, GGUF), tables (CSV, TSV, JSON Lines,
 * Parquet), text, or binary.
 */

/** A file's diff kind, with its format where it has one. */
export type FileKind =
  | { kind: 'tensors'; format: 'safetensors' | 'gguf' | 'safetensors-index' }
  | { kind: 'table'; format: 'csv' | 'tsv' | 'jsonl' | 'parquet' }
  | { kind: 'text' }
  | { kind: 'binary' };

/** The kind a path's name implies, or undefined when the bytes must decide (text or binary). */
export function kindOfPath(path: string): FileKind | undefined {
  const p = path.toLowerCase();
  if (p.endsWith('.safetensors.index.json')) return { kind: 'tensors', format: 'safetensors-index' };
  if (p.endsWith('.safetensors')) return { kind: 'tensors', format: 'safetensors' };
  if (p.endsWith('.gguf')) return { kind: 'tensors', format: 'gguf' };
  if (p.endsWith('.csv')) return { kind: 'table', format: 'csv' };
  if (p.endsWith('.tsv') || p.endsWith('.tab')) return { kind: 'table', format: 'tsv' };
  if (p.endsWith('.jsonl') || p.endsWith('.ndjson')) return { kind: 'table', format: 'jsonl' };
  if (p.endsWith('.parquet')) return { kind: 'table', format: 'parquet' };
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Git's rule, plus valid UTF-8: text has no NUL in its first 8000 bytes and decodes. */
export function looksLikeText(head: Uint8Array): boolean {
  const probe = head.subarray(0, 8000);
  if (probe.includes(0)) return false;
  try {
    // a multi-byte sequence cut at the probe's end is not a reason to call it binary
    utf8.decode(probe.length === head.length ? probe : trimPartial(probe));
    return true;
  } catch {
    return false;
  }
}

/** Drops an incomplete UTF-8 sequence at the end of `b`. */
function trimPartial(b: Uint8Array): Uint8Array {
  let end = b.length;
  for (let k = 1; k <= 3 && end - k >= 0; k++) {
    const byte = b[end - k];
    if ((byte & 0xc0) !== 0x80) {
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      return need > k ? b.subarray(0, end - k) : b;
    }
  }
  return b;
}
