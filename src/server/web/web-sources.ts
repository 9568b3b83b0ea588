/**
 * The ByteSources the web pages read files through (src/diff/byte-source.ts): a large file as an
 * object of the server's content store, read by byte range through its layout (store-reader.ts),
 * with chunk fingerprints so that equal tensors are recognised without reading them; a small
 * file as a git blob, through the repository's long-running object readers (git-objects.ts).
 * Used inside the content workers, never on the request thread.
 */
import type { ByteSource } from '../../diff/byte-source.js';
import { bufferSource } from '../../diff/byte-source.js';
import { chunkFingerprint } from '../../diff/chunk-fingerprint.js';
import { NotFoundError, UsageError } from '../../errors.js';
import type { RepoObjects } from './git-objects.js';
import { READ_SPAN, type StoreReader } from './store-reader.js';

/** A file version as the pages name it: an LFS object of the store, or a git blob. */
export type FileRef = { kind: 'lfs'; oid: string; size: number } | { kind: 'git'; oid: string; size: number };

/** Largest git blob read into memory to compare or preview (bigger ones are summarised). */
export const MAX_GIT_BLOB_BYTES = 16 << 20;
/** Reads of at least this many bytes land in one of a source's two reused buffers. */
export const REUSED_READ_BYTES = 1 << 20;

/**
 * A stored object as a ByteSource, with chunk fingerprints. A read of {@link REUSED_READ_BYTES}
 * or more returns a view into one of two buffers of this source, alternately, so it stays valid
 * until the second-next such read: enough for every reader of src/diff (a tensor comparison uses
 * a piece of each side before reading the next; headers, indexes and text are parsed or copied
 * at once), and it spares the page faults of two fresh 8 MiB buffers per piece.
 */
export async function storeSource(reader: StoreReader, oid: string, name: string): Promise<ByteSource> {
  const layout = await reader.layout(oid, name);
  const pair: Uint8Array[] = [];
  let turn = 0;
  const read = async (start: number, end: number) => {
    const n = Math.min(end, layout.size) - Math.max(0, start);
    if (n < REUSED_READ_BYTES || n > READ_SPAN) return reader.read(layout, start, end);
    turn ^= 1;
    return reader.readReusing(layout, start, end, (pair[turn] ??= Buffer.allocUnsafeSlow(READ_SPAN)));
  };
  let edges: Uint8Array | undefined;
  // the edge bytes of a fingerprint are hashed before this source reads again (its calls are
  // sequential), so they may land in a buffer of the source's own, reused
  const edge = async (start: number, end: number) => reader.readReusing(layout, start, end, (edges ??= Buffer.allocUnsafeSlow(256 * 1024)));
  return {
    name,
    size: layout.size,
    read,
    async *stream() {
      for (let at = 0; at < layout.size; at += READ_SPAN) yield await reader.read(layout, at, at + READ_SPAN);
    },
    fingerprint: async (start, end, exact) => chunkFingerprint(await reader.chunks(layout), layout.size, start, end, exact === true, edge),
  };
}

/**
 * A git blob as a ByteSource, through the repository's object readers: a read of its first bytes
 * (a table preview, a sniff) reads only those when the blob is large; any other read loads it
 * whole, once. UsageError `too_large` for a whole read past {@link MAX_GIT_BLOB_BYTES}.
 */
export function gitBlobSource(objects: RepoObjects, oid: string, size: number, name: string): ByteSource {
  let whole: Promise<ByteSource> | undefined;
  const load = () => {
    if (size > MAX_GIT_BLOB_BYTES) throw new UsageError(`${name}: a ${size}-byte git blob is too large to read on a web page`, {}, 'too_large');
    whole ??= objects.contents([oid]).then(([found]) => {
      if (!found) throw new NotFoundError(`${name}: git blob ${oid} is missing`, { data: { oid } }, 'content_missing');
      return bufferSource(name, found.content);
    });
    return whole;
  };
  return {
    name,
    size,
    read: async (start, end) => {
      if (!whole && start <= 0 && end < size) return objects.blobHead(oid, Math.max(0, end));
      return (await load()).read(start, end);
    },
    async *stream() {
      yield* (await load()).stream();
    },
  };
}

/** The source of `ref` (the repository's object readers for git blobs, the store for LFS objects). */
export async function openRef(ref: FileRef, name: string, reader: StoreReader, objects: RepoObjects): Promise<ByteSource> {
  return ref.kind === 'lfs' ? storeSource(reader, ref.oid, name) : gitBlobSource(objects, ref.oid, ref.size, name);
}
