/**
 * The store as the transfer queue sees it: small interfaces that the store's own classes
 * satisfy as they are (LocalChunkReader, ObjectReceiver, XorbHandle; core wires them), so
 * transfer/ depends on no store code and a test can hand it anything of the same shape.
 */
import type { FileManifest } from '../formats/manifest.js';
import type { ChunkHashList } from '../hash/chunk-hash-list.js';
import type { XetHashers } from '../hash/hashers.js';

/** Chunks the local store has, read by hash (LocalChunkReader); `L` is where one is stored. */
export interface LocalChunks<L> {
  /** True when every chunk of `hashes` is here. */
  has(hashes: ChunkHashList): boolean;
  /** Where each of `hashes` is, or undefined when any is missing. */
  locate(hashes: ChunkHashList): L[] | undefined;
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
  /** Says which chunks the next `chunk` calls bring (one piece's, in order), so the writer may look them all up at once. */
  expect?(hashes: readonly Uint8Array[]): void;
  /** A chunk the caller hashed itself (`hash` is of these very bytes: a Xet download, whose reconstruction names no chunk hashes); kept as with `chunk`. */
  hashedChunk(hash: Uint8Array, data: Uint8Array): void;
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

/** One chunk of a xorb by number. */
export interface XorbChunkInfo {
  index: number;
  hash: Uint8Array;
  length: number;
}

/** What the store knows of xorbs by name (ChunkIndex.xorbChunks and learnXorbChunks). */
export interface XorbChunkMap {
  /** Hashes and lengths of chunks [start, end) of `xorb`, or undefined when any is unknown. */
  chunks(xorb: string, start: number, end: number): XorbChunkInfo[] | undefined;
  /** Records chunks of remote xorbs that a verified download met. */
  learn(entries: Iterable<{ xorb: string; chunks: readonly XorbChunkInfo[] }>): void;
}

/** Chunks put into the store outside any object (a Xet download's chunks that serve terms all over a file), in any order. */
export interface ChunkStash {
  /** A chunk whose `hash` is of these very bytes. */
  add(hash: Uint8Array, data: Uint8Array): void;
  /** Resolves when the stash can take more. */
  drained(): Promise<void>;
  /** Makes every chunk added durable and readable through `local`. */
  finish(): Promise<void>;
  /** Drops what is not yet durable. */
  abort(): Promise<void>;
}

/** Where downloaded objects go. */
export interface DownloadTarget<L, R> {
  /** True when the store already has `oid`. */
  has(oid: string): boolean;
  local: LocalChunks<L>;
  /** The store's hashers (a Xet download hashes what it receives). */
  hashers: XetHashers;
  /** What the store knows of xorbs (a Xet download reuses the chunks a reconstruction names that it has). */
  xorbs: XorbChunkMap;
  /** A new stash of chunks into the store. */
  stash(): ChunkStash;
  /** Starts receiving one object. */
  receive(obj: { oid: string; size: number }): ObjectWriter<L, R>;
}

/** A local xorb opened for reading (XorbHandle). */
export interface XorbReader {
  readonly size: number;
  /** Reads up to `into.length` bytes at `position`; returns how many (0 at the end). */
  read(into: Uint8Array, position: number): number;
  /** The same past the page cache, when the store can (store/xorb-backend.ts, XorbHandle.readDirect). */
  readDirect?(into: Uint8Array, position: number): number;
  close(): void;
}

/** What uploads read from the store. */
export interface UploadSource {
  has(oid: string): boolean;
  /** The store's hashers (a Xet upload hashes verification entries and HMAC keys). */
  hashers: XetHashers;
  /** What the store knows of xorbs (a Xet upload reuses xorbs a download learned). */
  xorbs: XorbChunkMap;
  /** Every chunk of a local xorb, in order, hashed from its bytes (for a xorb the index lists only in part). */
  xorbChunks(xorb: string): XorbChunkInfo[];
  /** The manifest of `oid` (the store has it: `has` said so). */
  manifest(oid: string): FileManifest;
  /** The chunk hashes (Xet hex) of a local xorb, in order. */
  chunksOf(xorb: string): string[];
  openXorb(xorb: string): XorbReader;
  /** The bytes of an object in file order, in pieces. */
  pieces(manifest: FileManifest): Iterable<Uint8Array>;
}
