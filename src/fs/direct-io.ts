/**
 * Reads and writes that bypass the page cache (O_DIRECT), for the store's xorbs: bytes that must
 * reach the disk anyway (they are fsynced before they are named), that no one reads at once, and
 * that are read back in bulk (a push's upload, a pull's unchanged chunks) without being kept. On this
 * project's VMs a buffered write of new file bytes costs ~1 s of kernel CPU per 512 MiB when the
 * memory behind the page cache has gone back to the host (docs/performance.md, "Cold pages");
 * the same bytes written O_DIRECT took 0.2-0.4 s of wall time and 0.05 s of CPU (`dd
 * oflag=direct`). O_DIRECT wants the buffer's address, the length and the file offset aligned to
 * the device's block; node's Buffers are not page-aligned (malloc), a WebAssembly.Memory's
 * backing store is (V8 maps it whole), so aligned buffers are made of those. Everything here
 * falls back to ordinary I/O: a file system without O_DIRECT (tmpfs) refuses the open, and a
 * refused read or write (EINVAL) turns the descriptor off. HUB_DIRECT_IO=0 (or false, no, off) turns
 * it all off.
 *
 * A direct read of blocks whose newest bytes are still in the page cache is coherent: the kernel
 * writes those pages back before it reads (and a direct write drops the cached pages it covers).
 */
import { closeSync, constants, openSync } from 'node:fs';
import { flagFrom } from '../env-flag.js';

/** The alignment asked of direct writes: a page, which covers every logical block size Linux uses. */
export const DIRECT_BLOCK = 4096;

const WASM_PAGE = 65536;

/**
 * A new buffer of `bytes` (rounded up to 64 KiB) whose address is page-aligned. Where V8 cannot
 * make one (a WebAssembly memory reserves its address space whole: a low `ulimit -v` refuses
 * it), an ordinary buffer: direct I/O from it is refused and falls back, nothing fails.
 */
export function alignedArrayBuffer(bytes: number): ArrayBuffer {
  try {
    const pages = Math.ceil(bytes / WASM_PAGE);
    // a maximum: without one, V8 reserves room to grow to 4 GiB, and under an address-space
    // limit it fails, collects garbage and retries several times before giving up (~24 ms each)
    return new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer;
  } catch {
    return Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
  }
}

/** Whether HUB_DIRECT_IO lets the store bypass the page cache: unset, '', 1, true, yes, on (any case) do; 0, false, no, off do not; anything else is exit 2 (checked when every command starts). */
export function directIoFrom(env: NodeJS.ProcessEnv): boolean {
  return flagFrom(env, 'HUB_DIRECT_IO', true);
}

/** A descriptor of the existing file `path` that bypasses the page cache (write-only unless `read`); -1 where the system or file system has none. */
export function openDirect(path: string, read = false): number {
  const flag = (constants as Record<string, number>).O_DIRECT;
  if (!flag || !directIoFrom(process.env)) return -1;
  try {
    return openSync(path, (read ? constants.O_RDONLY : constants.O_WRONLY) | flag);
  } catch {
    return -1;
  }
}

/** True when a direct read or write of `length` bytes of `into` at file offset `position` meets the alignment (the buffer's own base must be aligned too: alignedArrayBuffer). */
export function directAligned(into: Uint8Array, position: number, length = into.length): boolean {
  return position % DIRECT_BLOCK === 0 && length % DIRECT_BLOCK === 0 && into.byteOffset % DIRECT_BLOCK === 0;
}

/** `n` rounded up to a whole block. */
export function blockCeil(n: number): number {
  return Math.ceil(n / DIRECT_BLOCK) * DIRECT_BLOCK;
}

/** Closes a descriptor of openDirect (a no-op for -1). */
export function closeDirect(fd: number): void {
  if (fd >= 0) closeSync(fd);
}
