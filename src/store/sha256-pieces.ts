/**
 * The SHA-256 of an object being sent, computed on a thread of its own from the very memory the
 * sender reads into: hub serve checks every whole object it streams (server/send-object.ts) and
 * must not do that O(file) work on its event loop. The pieces are views of SharedArrayBuffers
 * (the server's send buffers), so handing them over costs a message per buffer and no copy; a
 * piece's `release` is called once the thread has hashed it, and the sender reuses its buffer
 * only then. One thread serves every hash of the process (each is a message per 1 MiB read;
 * SHA-NI hashes ~1.2 GB/s, more than the sockets here carry): it starts on first use, holds the
 * process open only while a hash waits on it, and a new one starts after one died.
 *
 * Where the worker script is not built (the TypeScript sources), the pieces are hashed inline:
 * the same digest of the same bytes.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createSha256 } from '../hash/sha256.js';

/** A SHA-256 fed in order with pieces the caller may reuse once released. */
export interface PiecesSha256 {
  /** Hashes `piece` after those added before it; `release` is called (once) when its bytes are no longer needed. */
  add(piece: Uint8Array, release: () => void): void;
  /** The hex digest of every piece added. */
  digest(): Promise<string>;
  /** Gives up the hash (the sender stopped early): every piece still held is released. */
  drop(): void;
}

/** What the thread answers about one hash. */
interface Answer {
  id: number;
  read?: boolean;
  digest?: string;
}

/** One hash the thread works on: the releases of each batch sent, in order, and who waits for the digest. */
interface Open {
  batches: (() => void)[][];
  done?: { resolve: (hex: string) => void; reject: (err: Error) => void };
}

let thread: Worker | undefined;
const open = new Map<number, Open>();
let nextId = 1;
/** The worker script, once looked for: undefined where it is not built. */
let script: string | null | undefined = null;

/** Starts a SHA-256 on the process's hashing thread (inline where the worker script is not built). */
export function startPiecesSha256(): PiecesSha256 {
  if (script === null) {
    const built = fileURLToPath(new URL('./sha256-pieces-worker.js', import.meta.url));
    script = import.meta.url.endsWith('.js') && existsSync(built) ? built : undefined;
  }
  return script ? new ThreadPieces(hashingThread(script)) : inlinePieces();
}

function hashingThread(file: string): Worker {
  if (thread) return thread;
  // it allocates only the messages: a small young generation is all it needs
  const worker = new Worker(file, { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  worker.on('message', (m: Answer) => {
    const entry = open.get(m.id);
    if (!entry) return;
    if (m.read) for (const release of entry.batches.shift() ?? []) release();
    if (m.digest !== undefined) {
      closed(m.id);
      entry.done?.resolve(m.digest);
    }
  });
  const failed = (err: Error) => {
    if (thread === worker) thread = undefined;
    const entries = [...open.values()];
    open.clear();
    for (const entry of entries) {
      // the thread no longer reads their memory
      for (const batch of entry.batches) for (const release of batch) release();
      entry.done?.reject(err);
    }
  };
  worker.on('error', failed);
  worker.on('exit', (code) => failed(new Error(`the hashing thread stopped (exit code ${code})`)));
  return (thread = worker);
}

/**
 * The thread holds the process open only while a hash waits on it: unref'd when the last one
 * ends (an `unref()` before the 'message' listener is attached does not hold: the listener refs
 * the port again).
 */
function opened(id: number, entry: Open, worker: Worker): void {
  open.set(id, entry);
  worker.ref();
}

function closed(id: number): boolean {
  const was = open.delete(id);
  if (open.size === 0) thread?.unref();
  return was;
}

/** A hash on the thread: pieces of one shared buffer go in one message. */
class ThreadPieces implements PiecesSha256 {
  private readonly id = nextId++;
  private readonly entry: Open = { batches: [] };
  private sab: SharedArrayBuffer | undefined;
  private spans: number[] = [];
  private releases: (() => void)[] = [];
  private ended = false;

  constructor(private readonly worker: Worker) {
    opened(this.id, this.entry, worker);
  }

  add(piece: Uint8Array, release: () => void): void {
    if (this.ended) throw new Error('PiecesSha256: a piece added after digest() or drop()');
    if (!(piece.buffer instanceof SharedArrayBuffer)) {
      // (a piece of memory of its own: a chunk larger than the send buffers) copied once
      const copy = new Uint8Array(new SharedArrayBuffer(piece.byteLength));
      copy.set(piece);
      release();
      return this.add(copy, () => {});
    }
    if (piece.buffer !== this.sab) this.flush();
    this.sab = piece.buffer;
    this.spans.push(piece.byteOffset, piece.byteLength);
    this.releases.push(release);
  }

  digest(): Promise<string> {
    if (this.ended) return Promise.reject(new Error('PiecesSha256: digest() after the hash ended'));
    this.flush();
    this.ended = true;
    if (!open.has(this.id)) return Promise.reject(new Error('the hashing thread stopped'));
    const digest = new Promise<string>((resolve, reject) => (this.entry.done = { resolve, reject }));
    this.worker.postMessage({ id: this.id, end: true });
    return digest;
  }

  drop(): void {
    if (this.ended) return;
    this.ended = true;
    for (const release of this.releases) release();
    this.releases = [];
    if (!closed(this.id)) return;
    for (const batch of this.entry.batches) for (const release of batch) release(); // read or not, the hash is not wanted
    this.worker.postMessage({ id: this.id, drop: true });
  }

  private flush(): void {
    if (!this.sab) return;
    if (open.has(this.id)) {
      this.entry.batches.push(this.releases);
      this.worker.postMessage({ id: this.id, sab: this.sab, spans: this.spans });
    } else {
      for (const release of this.releases) release(); // the thread died: digest() will say so
    }
    this.sab = undefined;
    this.spans = [];
    this.releases = [];
  }
}

/** The same hash on the calling thread (the sources, where no worker script is built). */
function inlinePieces(): PiecesSha256 {
  const sha = createSha256();
  return {
    add(piece, release) {
      sha.update(piece);
      release();
    },
    digest: () => Promise.resolve(sha.digest('hex')),
    drop() {},
  };
}
