/**
 * Reused I/O buffers of one size. A transfer that moves gigabytes through 4 MiB buffers would
 * otherwise allocate one per piece: V8 frees such a buffer only at a full garbage collection
 * (it lives long enough to be promoted), which it starts only once 64 MiB more of them are
 * outstanding, so garbage, not live data, made up half of a clone's peak memory (and the
 * allocator kept much of the freed memory). A pool holds as many buffers as were ever in use at
 * once, and no more: its owner bounds that, and drops the pool when done.
 *
 * A buffer taken and never given back is simply garbage: giving back is an optimisation, and
 * only a buffer no one references any more may be given back.
 *
 * A command that moves many files shares one pool per kind of buffer (`sharedPool`) instead of
 * one per file: on a machine where a page's first touch is dear (docs/performance.md, "New
 * memory": ~15 us a page on this project's VM, 4 ms per MiB), a clone of 20 files of 24 MiB
 * touched ~380 MiB of new memory with a pool per file, where one of 512 MiB touched ~200 MiB.
 */

/** Buffers of `bytes` bytes, taken and given back. */
export class BufferPool {
  private readonly spare: ArrayBufferLike[] = [];
  /** The buffers this pool made: only those are taken back. */
  private readonly made = new WeakSet<ArrayBufferLike>();
  private madeCount = 0;

  /**
   * `keep`: spare buffers kept at most (others given back are left to the garbage collector).
   * `alloc`: how a new buffer is made (fs/direct-io.ts makes page-aligned ones, hub serve's send
   * buffers are shared memory: server/send-range.ts).
   */
  constructor(readonly bytes: number, private readonly keep = Number.POSITIVE_INFINITY, private readonly alloc: (bytes: number) => ArrayBufferLike = newBuffer) {}

  /** A buffer of `length` bytes (at most `bytes`): a view of a spare one, or of a new one. */
  take(length = this.bytes): Buffer {
    if (length > this.bytes) throw new RangeError(`BufferPool: ${length} bytes asked of a pool of ${this.bytes}-byte buffers`);
    let ab = this.spare.pop();
    if (!ab) {
      this.made.add((ab = this.alloc(this.bytes)));
      this.madeCount++;
    }
    return Buffer.from(ab, 0, length);
  }

  /** Gives back the buffer under `view`, which nothing references any more (a buffer this pool did not make is ignored). */
  give(view: Uint8Array): void {
    const ab = view.buffer;
    // (given back twice, a buffer would be handed to two takers at once)
    if (this.made.has(ab) && this.spare.length < this.keep && !this.spare.includes(ab)) this.spare.push(ab);
  }

  /** Buffers this pool has made so far. */
  get allocated(): number {
    return this.madeCount;
  }

  /** Spare buffers held now. */
  get spares(): number {
    return this.spare.length;
  }
}

function newBuffer(bytes: number): ArrayBuffer {
  return Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
}

/** The process's shared pools, by how buffers are made and their size. */
const shared = new Map<(bytes: number) => ArrayBuffer, Map<number, BufferPool>>();

/**
 * This process's (this thread's) pool of `bytes`-byte buffers made by `alloc`, kept for every
 * transfer after this one. `keep` bounds its spares and is the first caller's: callers of one
 * kind of buffer ask the same.
 */
export function sharedPool(bytes: number, keep: number, alloc: (bytes: number) => ArrayBuffer = newBuffer): BufferPool {
  let bySize = shared.get(alloc);
  if (!bySize) shared.set(alloc, (bySize = new Map()));
  let pool = bySize.get(bytes);
  if (!pool) bySize.set(bytes, (pool = new BufferPool(bytes, keep, alloc)));
  return pool;
}
