/**
 * Where xorb bytes live. The store reads and writes xorbs only through this interface, so a
 * backend on an S3-compatible object store can replace the file system later (a local file is
 * committed by upload; range reads map to ranged GETs, or presigned URLs handed to clients).
 * FsXorbBackend keeps them under `xorbs/<2 hex>/<hash>.xorb`.
 */
import { closeSync, existsSync, fstatSync, openSync, read, readSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { IntegrityError, fromFsError } from '../errors.js';
import { commitFile } from '../fs/atomic-file.js';
import { xorbPath, type StorePaths } from './paths.js';

/** An open xorb for range reads. */
export interface XorbHandle {
  readonly size: number;
  /** Reads up to `into.length` bytes at `position`; returns how many (0 at the end). */
  read(into: Uint8Array, position: number): number;
  /** The same on the thread pool, so the event loop goes on meanwhile. */
  readAsync(into: Uint8Array, position: number): Promise<number>;
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
  /** Makes the finished, fsynced local file `tmp` the xorb `xorb`; if that xorb exists (same name, same bytes) `tmp` is dropped. */
  commit(tmp: string, xorb: string): void;
  exists(xorb: string): boolean;
  /** Opens `xorb`; a missing one is IntegrityError 'missing_xorb' (the store refers to it). */
  open(xorb: string): XorbHandle;
  list(): Iterable<XorbEntry>;
  remove(xorb: string): void;
}

/** A handle on any local file (a stored xorb, or one just received and not yet verified). */
export function openFileHandle(path: string): XorbHandle {
  const fd = openSync(path, 'r');
  return {
    size: fstatSync(fd).size,
    read: (into, position) => readSync(fd, into, 0, into.length, position),
    readAsync: (into, position) => new Promise((resolve, reject) => read(fd, into, 0, into.length, position, (err, n) => (err ? reject(err) : resolve(n)))),
    close: () => closeSync(fd),
  };
}

/** Xorbs as files in the store folder. */
export class FsXorbBackend implements XorbBackend {
  constructor(private readonly paths: StorePaths) {}

  commit(tmp: string, xorb: string): void {
    const dest = xorbPath(this.paths, xorb);
    if (existsSync(dest)) unlinkSync(tmp);
    else commitFile(tmp, dest);
  }

  exists(xorb: string): boolean {
    return existsSync(xorbPath(this.paths, xorb));
  }

  open(xorb: string): XorbHandle {
    try {
      return openFileHandle(xorbPath(this.paths, xorb));
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
    try {
      unlinkSync(xorbPath(this.paths, xorb));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
