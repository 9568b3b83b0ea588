/** Telling a Git LFS pointer from an ordinary small file, as the web pages do for small blobs. */
import { looksLikePointer, parsePointer } from '../../formats/lfs-pointer.js';

/** The LFS object a small blob points at, or undefined for an ordinary file (one that only starts like a pointer included). */
export function pointerOf(bytes: Uint8Array): { oid: string; size: number } | undefined {
  if (!looksLikePointer(bytes)) return undefined;
  try {
    const p = parsePointer(bytes);
    return { oid: p.oid, size: p.size };
  } catch {
    return undefined;
  }
}
