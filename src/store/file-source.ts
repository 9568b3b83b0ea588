/**
 * Opens a user's input file for reading and streams it through a Chunker, reading straight
 * into the chunker's WebAssembly window (no copies, one reused ~1 MiB read buffer). Errors about
 * the path become one-line HubErrors (missing, a directory, unreadable).
 */
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { ConflictError, UsageError, fromFsError } from '../errors.js';
import type { Chunker, ChunkSink } from '../chunking/chunker.js';

/** An open regular file. */
export interface OpenedFile {
  fd: number;
  path: string;
  stat: Stats;
}

/** Opens `path` for reading; throws NotFound / Usage (directory, not a regular file) / Permission. */
export function openInputFile(path: string): OpenedFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fromFsError(err, path);
  }
  const stat = fstatSync(fd);
  if (stat.isDirectory()) {
    closeSync(fd);
    throw new UsageError(`${path} is a directory, not a file`, { data: { path } }, 'is_directory');
  }
  if (!stat.isFile()) {
    closeSync(fd);
    throw new UsageError(`${path} is not a regular file`, { data: { path } }, 'not_a_file');
  }
  return { fd, path, stat };
}

/**
 * Reads the whole file through `chunker`, calling `sink` for every chunk in order, and
 * `onRead(bytesSoFar)` after every read (awaited when it returns a promise). `batch` wraps the
 * chunk callbacks of each read (the store runs them in one index read transaction). Fails with a ConflictError if the file changed size or
 * mtime while it was read (its chunks would not describe one version of it).
 */
export async function chunkOpenedFile(
  file: OpenedFile,
  chunker: Chunker,
  sink: ChunkSink,
  onRead?: (done: number) => void | Promise<void>,
  batch: (run: () => void) => void = (run) => run(),
): Promise<number> {
  let total = 0;
  for (;;) {
    const space = chunker.writable();
    let n: number;
    try {
      n = readSync(file.fd, space, 0, space.length, null);
    } catch (err) {
      throw fromFsError(err, file.path);
    }
    if (n === 0) break;
    total += n;
    batch(() => chunker.commit(n, sink));
    await onRead?.(total);
  }
  chunker.finish(sink);
  assertUnchanged(file, total);
  return total;
}

/** Throws a ConflictError if the file's size or mtime moved since it was opened, or `bytesRead` differs from its size. */
export function assertUnchanged(file: OpenedFile, bytesRead: number): void {
  const after = fstatSync(file.fd);
  if (after.size !== file.stat.size || after.mtimeMs !== file.stat.mtimeMs || bytesRead !== file.stat.size) {
    throw new ConflictError(`${file.path} changed while it was being read`, { hint: 'retry when nothing is writing it', data: { path: file.path } }, 'file_changed');
  }
}
