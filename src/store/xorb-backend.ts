/**
 * Where xorb bytes live. The store reads and writes xorbs only through this interface
 * (docs/store.md, "Backends"): FsXorbBackend keeps them under `xorbs/<2 hex>/<hash>.xorb`,
 * S3XorbBackend (s3-xorb-backend.ts) in an S3-compatible bucket.
 *
 * Every backend has the async forms (`commitAsync`, `existsAsync`, `openAsync`, `listAsync`,
 * `removeAsync`, a handle's `readAsync`): code that may run on object storage (the server's read
 * and write paths) uses them. The sync forms are the local files' fast path (a pread in place of
 * a promise per read) for code that only ever runs on a local store (the CLI's own store, fsck,
 * gc); a `remote` backend throws `sync_on_object_store` from them.
 */
import { closeDirect, directAligned, openDirect } from '../fs/direct-io.js';
import { closeSync, existsSync, fstatSync, openSync, read, readSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { access, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HubError, IntegrityError, fromFsError } from '../errors.js';
import { commitFile, commitFileAsync } from '../fs/atomic-file.js';
import { xorbPath, type StorePaths } from './paths.js';
import type { ChunkTable } from './xorb-table.js';
import { fileIdentity, XorbLayouts } from './xorb-layouts.js';

/** An open xorb for range reads. */
export interface XorbHandle {
  readonly size: number;
  /** Reads up to `into.length` bytes at `position`; returns how many (0 at the end). Local handles only. */
  read(into: Uint8Array, position: number): number;
  /**
   * The same without blocking (a local file: on the thread pool; object storage: a ranged GET).
   * `until`: the caller goes on reading sequentially up to that byte, so a remote handle asks
   * for that much at once and serves the following reads from the same answer.
   */
  readAsync(into: Uint8Array, position: number, until?: number): Promise<number>;
  /** True for a xorb in object storage: `read` throws, use `readAsync`. */
  readonly remote?: boolean;
  /**
   * The xorb's chunk table, when its backend keeps one (object storage: no header scan needed) or
   * a local backend kept this file's from an earlier reader (xorb-layouts.ts).
   */
  readonly table?: ChunkTable;
  /** A local file's identity (xorb-layouts.ts `fileIdentity`): what a kept table is kept for. */
  readonly id?: string;
  /**
   * `read`/`readAsync` past the page cache (a local file: fs/direct-io.ts), for bulk reads that
   * keep nothing: `into` from alignedArrayBuffer, `position` and `into.length` whole blocks, else
   * (or where the file system refuses) an ordinary read. A read may end short only at the file's end.
   */
  readDirect?(into: Uint8Array, position: number): number;
  readDirectAsync?(into: Uint8Array, position: number): Promise<number>;
  close(): void;
}

/** A xorb as listed by a backend. */
export interface XorbEntry {
  xorb: string;
  bytes: number;
  mtimeMs: number;
}

/** Storage of immutable xorbs named by their hash. */
export interface XorbBackend {
  /** True when the xorbs are in object storage (only the async forms work). */
  readonly remote?: boolean;
  /** Makes the finished, fsynced local file `tmp` the xorb `xorb`; if that xorb exists (same name, same bytes) `tmp` is dropped. */
  commit(tmp: string, xorb: string): void;
  exists(xorb: string): boolean;
  /** Opens `xorb`; a missing one is IntegrityError 'missing_xorb' (the store refers to it). */
  open(xorb: string): XorbHandle;
  list(): Iterable<XorbEntry>;
  remove(xorb: string): void;
  /**
   * `commit` without blocking: the finished local file `tmp` (fsynced unless the backend is
   * remote) becomes the xorb `xorb`, whose chunks `table` lists; `tmp` is gone afterwards. The
   * xorb is visible (`existsAsync`, `openAsync`, `listAsync`) only once all of it is stored; a
   * failure or a crash midway leaves nothing a reader can find.
   */
  commitAsync(tmp: string, xorb: string, table: ChunkTable): Promise<void>;
  existsAsync(xorb: string): Promise<boolean>;
  /**
   * `existsAsync` for a writer about to reference the xorb in a new manifest (deduplicating
   * against it): in object storage it also renews the xorb's modification time, so a `hub gc
   * --root` running on another machine counts it as a recent write (docs/server.md, "Garbage
   * collection on object storage"). A local store needs nothing more (its gc takes the store lock).
   */
  touchAsync(xorb: string): Promise<boolean>;
  /** Opens `xorb`; a missing one is IntegrityError 'missing_xorb'. */
  openAsync(xorb: string): Promise<XorbHandle>;
  listAsync(): AsyncIterable<XorbEntry>;
  removeAsync(xorb: string): Promise<void>;
  /**
   * Object storage only: a URL that lets anyone GET bytes [start, end) of the stored xorb, and
   * nothing else, for `expiresSeconds` (the Range header is part of the signature: a client that
   * sends another range, or none, is refused by the service). The stored bytes are the xorb's
   * records from offset 0, as the local file holds them: ranges need no translation.
   */
  presignRange?(xorb: string, start: number, end: number, expiresSeconds: number): Promise<string>;
  /**
   * A local backend: keeps `table` (read from `handle`'s file whole) for the next opening of the
   * same file (xorb-layouts.ts).
   */
  rememberLayout?(xorb: string, handle: XorbHandle, table: Pick<ChunkTable, 'records' | 'hashes'>): void;
}

/** The error of a sync call on a store in object storage (a bug: that code path must use the async forms). */
export function syncOnObjectStore(what: string): HubError {
  return new HubError('sync_on_object_store', `${what} has no synchronous form on a store in object storage`);
}

/** A backend of local files: the async forms are the sync ones (a rename, a stat, an open: no waiting worth a promise). */
export abstract class LocalXorbBackend implements XorbBackend {
  abstract commit(tmp: string, xorb: string): void;
  abstract exists(xorb: string): boolean;
  abstract open(xorb: string): XorbHandle;
  abstract list(): Iterable<XorbEntry>;
  abstract remove(xorb: string): void;

  async commitAsync(tmp: string, xorb: string, _table?: ChunkTable): Promise<void> {
    this.commit(tmp, xorb);
  }

  async existsAsync(xorb: string): Promise<boolean> {
    return this.exists(xorb);
  }

  async touchAsync(xorb: string): Promise<boolean> {
    return this.exists(xorb);
  }

  async openAsync(xorb: string): Promise<XorbHandle> {
    return this.open(xorb);
  }

  async *listAsync(): AsyncIterable<XorbEntry> {
    yield* this.list();
  }

  async removeAsync(xorb: string): Promise<void> {
    this.remove(xorb);
  }
}

/** A handle on any local file (a stored xorb, or one just received and not yet verified). */
export function openFileHandle(path: string, tableFor?: (id: string) => ChunkTable | undefined): XorbHandle {
  const fd = openSync(path, 'r');
  const st = fstatSync(fd);
  const id = fileIdentity(st);
  // the direct descriptor opens at the first direct read; -2: not yet, -1: none or turned off
  // (a refused one stays open until close: another read of it may still be in flight)
  let direct = -2;
  let opened = -1;
  const readAsyncOn = (from: number, into: Uint8Array, position: number): Promise<number> => new Promise((resolve, reject) => read(from, into, 0, into.length, position, (err, n) => (err ? reject(err) : resolve(n))));
  const directFd = (into: Uint8Array, position: number): number => {
    if (!directAligned(into, position)) return -1;
    if (direct === -2) opened = direct = openDirect(path, true);
    return direct;
  };
  const refused = (err: unknown): void => {
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
    direct = -1;
  };
  return {
    size: st.size,
    id,
    table: tableFor?.(id),
    read: (into, position) => readSync(fd, into, 0, into.length, position),
    readAsync: (into, position) => readAsyncOn(fd, into, position),
    readDirect(into, position) {
      const d = directFd(into, position);
      if (d >= 0) {
        try {
          return readSync(d, into, 0, into.length, position);
        } catch (err) {
          refused(err);
        }
      }
      return readSync(fd, into, 0, into.length, position);
    },
    async readDirectAsync(into, position) {
      const d = directFd(into, position);
      if (d >= 0) {
        try {
          return await readAsyncOn(d, into, position);
        } catch (err) {
          refused(err);
        }
      }
      return readAsyncOn(fd, into, position);
    },
    close() {
      closeSync(fd);
      closeDirect(opened);
    },
  };
}

/** Xorbs as files in the store folder. */
export class FsXorbBackend extends LocalXorbBackend {
  /** The chunk tables of xorbs this backend's readers and writers have read or written (xorb-layouts.ts). */
  readonly layouts = new XorbLayouts();

  constructor(private readonly paths: StorePaths) {
    super();
  }

  rememberLayout(xorb: string, handle: XorbHandle, table: Pick<ChunkTable, 'records' | 'hashes'>): void {
    if (handle.id !== undefined) this.layouts.remember(xorb, handle.id, handle.size, table);
  }

  commit(tmp: string, xorb: string): void {
    const dest = xorbPath(this.paths, xorb);
    if (existsSync(dest)) unlinkSync(tmp);
    else commitFile(tmp, dest);
  }

  /** `commit` on the thread pool: the rename and the folder's fsync (~10 ms each here) off the caller's loop. */
  override async commitAsync(tmp: string, xorb: string, table?: ChunkTable): Promise<void> {
    const dest = xorbPath(this.paths, xorb);
    if (await access(dest).then(() => true, () => false)) return unlink(tmp);
    await commitFileAsync(tmp, dest);
    // the table of the file just written is its layout (the file already there may be laid out
    // otherwise); a stat that fails only leaves the next reader to read the layout
    const st = table && (await stat(dest).catch(() => undefined));
    if (table && st) this.layouts.remember(xorb, fileIdentity(st), table.size, table);
  }

  exists(xorb: string): boolean {
    return existsSync(xorbPath(this.paths, xorb));
  }

  open(xorb: string): XorbHandle {
    try {
      return openFileHandle(xorbPath(this.paths, xorb), (id) => this.layouts.get(xorb, id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new IntegrityError(`xorb ${xorb} is missing from the store`, { data: { xorb } }, 'missing_xorb');
      }
      throw fromFsError(err, xorbPath(this.paths, xorb), 'xorb');
    }
  }

  *list(): Iterable<XorbEntry> {
    if (!existsSync(this.paths.xorbs)) return;
    for (const fan of readdirSync(this.paths.xorbs).sort()) {
      const dir = join(this.paths.xorbs, fan);
      for (const name of readdirSync(dir).sort()) {
        if (!/^[0-9a-f]{64}\.xorb$/.test(name)) continue;
        try {
          const st = statSync(join(dir, name));
          yield { xorb: name.slice(0, 64), bytes: st.size, mtimeMs: st.mtimeMs };
        } catch {
          /* removed meanwhile */
        }
      }
    }
  }

  remove(xorb: string): void {
    this.layouts.forget(xorb);
    try {
      unlinkSync(xorbPath(this.paths, xorb));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
