/**
 * The store as the transfer queue sees it: small interfaces that the store's own classes
 * satisfy as they are (LocalChunkReader, ObjectReceiver, XorbHandle; core wires them), so
 * transfer/ depends on no store code and a test can hand it anything of the same shape.
 */
import type { FileManifest } from '../formats/manifest.js';

/** Chunks the local store has, read by hash (LocalChunkReader); `L` is where one is stored. */
export interface LocalChunks<L> {
  /** True when every chunk of `hashes` (Xet hex) is here. */
  has(hashes: readonly string[]): boolean;
  /** Where each of `hashes` is, or undefined when any is missing. */
  locate(hashes: readonly string[]): L[] | undefined;
  /** The data of the chunks at `where`, in order. */
  read(where: readonly L[]): Uint8Array[];
  /**
   * The same read off the event loop, handed to `each` in runs (`from`: the first one's place in
   * `where`), in order. `each` calls `release` once nothing references that run's data any more
   * (its buffer is then reused), or never (it is then left to the garbage collector).
   */
  readEach(where: readonly L[], each: (data: Uint8Array[], from: number, release: () => void) => void | Promise<void>): Promise<void>;
}

/** One object being received, in file order (ObjectReceiver); `finish` checks it whole. */
export interface ObjectWriter<L, R> {
  /** A chunk from the network with the hash the server named: checked before it is kept. Its bytes are the writer's until `whenWritten` says otherwise (never reused by the caller without it). */
  chunk(expected: Uint8Array, data: Uint8Array, what: string): void;
  /** A chunk read from the local store at `where`; its bytes are the writer's, as with `chunk`. */
  localChunk(hash: Uint8Array, data: Uint8Array, where: L): void;
  /** Calls `fn` once the writer references none of the chunk bytes handed to it so far (the caller may reuse their buffers then). */
  whenWritten?(fn: () => void): void;
  /** Raw bytes (the basic transfer). */
  bytes(data: Uint8Array): void;
  /** Resolves when the writer can take more (its writes to disk caught up enough). */
  drained?(): Promise<void>;
  /** Bytes received so far. */
  readonly received: number;
  finish(): Promise<R>;
  abort(): Promise<void>;
}

/** Where downloaded objects go. */
export interface DownloadTarget<L, R> {
  /** True when the store already has `oid`. */
  has(oid: string): boolean;
  local: LocalChunks<L>;
  /** Starts receiving one object. */
  receive(obj: { oid: string; size: number }): ObjectWriter<L, R>;
}

/** A local xorb opened for reading (XorbHandle). */
export interface XorbReader {
  readonly size: number;
  /** Reads up to `into.length` bytes at `position`; returns how many (0 at the end). */
  read(into: Uint8Array, position: number): number;
  close(): void;
}

/** What uploads read from the store. */
export interface UploadSource {
  has(oid: string): boolean;
  /** The manifest of `oid` (the store has it: `has` said so). */
  manifest(oid: string): FileManifest;
  /** The chunk hashes (Xet hex) of a local xorb, in order. */
  chunksOf(xorb: string): string[];
  openXorb(xorb: string): XorbReader;
  /** The bytes of an object in file order, in pieces. */
  pieces(manifest: FileManifest): Iterable<Uint8Array>;
}
