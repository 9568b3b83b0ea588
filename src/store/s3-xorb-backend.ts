/**
 * Xorbs in an S3-compatible bucket (docs/store.md, "Backends"). A xorb is two objects:
 * `xorbs/<hash>.xorb`, its bytes (a multipart upload from 8 MiB), and `xorbs/<hash>.table`, its
 * chunk table (xorb-table.ts: the Xet footer of its chunks, a few KiB), written last: the table
 * is what publishes the xorb. A reader finds a xorb only through its table, so a crash or a
 * failure before the table is stored leaves bytes no reader can find (an orphan for gc), never a
 * partial xorb; and a reader never scans record headers (which would read the whole object):
 * records and chunk hashes come from the table. Content-addressed names make a second upload of
 * the same xorb harmless (same bytes), so no conditional PUT is needed (Swift has none).
 *
 * Reads are ranged GETs: a handle streams one GET for a caller that says how far it reads on
 * (`until`), and otherwise grows its requests (1 MiB, 4, 16, up to 64 MiB) while reads follow
 * each other, so a sequential reader costs a few requests per xorb and a header read one small
 * one. Tables are immutable and small: the last 256 read are kept in memory for opens.
 */
import { rm, stat } from 'node:fs/promises';
import { FormatError, IntegrityError, NetworkError } from '../errors.js';
import type { S3Objects } from './s3-objects.js';
import { syncOnObjectStore, type XorbBackend, type XorbEntry, type XorbHandle } from './xorb-backend.js';
import { decodeChunkTable, encodeChunkTable, type ChunkTable } from './xorb-table.js';

const FIRST_READ = 1 << 20;
const MAX_READ = 64 << 20;
const TABLES_KEPT = 256;
/** Times a read reopens its GET after the connection failed midway. */
const READ_RETRIES = 2;

const dataName = (xorb: string) => `xorbs/${xorb}.xorb`;
const tableName = (xorb: string) => `xorbs/${xorb}.table`;

/** The IntegrityError of a xorb the store refers to and the bucket does not have. */
function missingXorb(xorb: string): IntegrityError {
  return new IntegrityError(`xorb ${xorb} is missing from the store`, { data: { xorb } }, 'missing_xorb');
}

/** Xorbs as objects of a bucket. */
export class S3XorbBackend implements XorbBackend {
  readonly remote = true;
  private readonly tables = new Map<string, ChunkTable>();

  constructor(private readonly objects: S3Objects) {}

  commit(): void {
    throw syncOnObjectStore('committing a xorb');
  }

  exists(): boolean {
    throw syncOnObjectStore('looking a xorb up');
  }

  open(): XorbHandle {
    throw syncOnObjectStore('opening a xorb');
  }

  list(): Iterable<XorbEntry> {
    throw syncOnObjectStore('listing xorbs');
  }

  remove(): void {
    throw syncOnObjectStore('removing a xorb');
  }

  /** Uploads `tmp` as the xorb's bytes, then its table (the xorb is visible from then on); removes `tmp`. */
  async commitAsync(tmp: string, xorb: string, table: ChunkTable): Promise<void> {
    try {
      if (await this.touchAsync(xorb)) return; // same name, same bytes (renewed: this writer references it now)
      const { size } = await stat(tmp);
      if (size !== table.size) throw new IntegrityError(`xorb ${xorb}: its file holds ${size} bytes, its chunk table ${table.size}`, { data: { xorb } }, 'corrupt_xorb');
      await this.objects.putFile(dataName(xorb), tmp, size);
      await this.objects.put(tableName(xorb), encodeChunkTable(xorb, table));
      this.keep(xorb, table);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Asks the bucket every time (the tables kept in memory serve reads, not this: a xorb may have been removed since). */
  async existsAsync(xorb: string): Promise<boolean> {
    return (await this.objects.head(tableName(xorb))) !== undefined;
  }

  /** A presigned GET of bytes [start, end) of the xorb's bytes object, its Range header signed (S3Objects.presignRange). */
  presignRange(xorb: string, start: number, end: number, expiresSeconds: number): Promise<string> {
    return this.objects.presignRange(dataName(xorb), start, end, expiresSeconds);
  }

  /** Renews the table's modification time (what gc ages a published xorb by); false when the xorb is not published. */
  async touchAsync(xorb: string): Promise<boolean> {
    return this.objects.touch(tableName(xorb));
  }

  async openAsync(xorb: string): Promise<XorbHandle> {
    const table = await this.table(xorb);
    if (!table) throw missingXorb(xorb);
    return new S3XorbHandle(this.objects, xorb, table);
  }

  /** The chunk table of `xorb` (undefined: no such xorb); a damaged one is an IntegrityError. */
  async table(xorb: string): Promise<ChunkTable | undefined> {
    const known = this.tables.get(xorb);
    if (known) {
      this.tables.delete(xorb);
      this.tables.set(xorb, known);
      return known;
    }
    const bytes = await this.objects.get(tableName(xorb));
    if (!bytes) return undefined;
    let table: ChunkTable;
    try {
      table = decodeChunkTable(xorb, bytes);
    } catch (err) {
      if (err instanceof FormatError) throw new IntegrityError(`xorb ${xorb} is damaged: ${err.message}`, { cause: err, data: { xorb } }, 'corrupt_xorb');
      throw err;
    }
    this.keep(xorb, table);
    return table;
  }

  /** Published xorbs (a table and its bytes), in name order, with the size and time of their bytes. */
  async *listAsync(): AsyncIterable<XorbEntry> {
    let tabled: string | undefined;
    for await (const o of this.objects.list('xorbs/')) {
      const m = /^xorbs\/([0-9a-f]{64})\.(table|xorb)$/.exec(o.name);
      if (!m) continue;
      if (m[2] === 'table') tabled = m[1];
      else if (tabled === m[1]) yield { xorb: m[1], bytes: o.size, mtimeMs: o.mtimeMs };
    }
  }

  /** Unpublishes the xorb (its table), then removes its bytes. */
  async removeAsync(xorb: string): Promise<void> {
    this.tables.delete(xorb);
    await this.objects.remove([tableName(xorb)]);
    await this.objects.remove([dataName(xorb)]);
  }

  private keep(xorb: string, table: ChunkTable): void {
    this.tables.set(xorb, table);
    if (this.tables.size > TABLES_KEPT) this.tables.delete(this.tables.keys().next().value!);
  }
}

/** One ranged GET being read, in order. */
class RangeRead {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private rest: Uint8Array | undefined;

  constructor(private readonly body: AsyncIterable<Uint8Array> & { destroy(): void }, public position: number, readonly end: number) {
    this.iterator = body[Symbol.asyncIterator]();
  }

  /** Fills `into` (or up to the end of the range); returns how many bytes. */
  async read(into: Uint8Array): Promise<number> {
    let n = 0;
    while (n < into.length && this.position < this.end) {
      if (!this.rest || this.rest.length === 0) {
        const next = await this.iterator.next();
        if (next.done) throw new NetworkError(`the object store ended a read at byte ${this.position} of ${this.end}`, {}, 'storage_failed');
        this.rest = next.value;
      }
      const k = Math.min(into.length - n, this.rest.length, this.end - this.position);
      into.set(this.rest.subarray(0, k), n);
      this.rest = this.rest.subarray(k);
      n += k;
      this.position += k;
    }
    return n;
  }

  close(): void {
    this.body.destroy();
  }
}

/** An open xorb of a bucket: reads are ranged GETs (see the module comment). */
class S3XorbHandle implements XorbHandle {
  readonly remote = true;
  readonly size: number;
  private current: RangeRead | undefined;
  private window = FIRST_READ;
  /** Reads in flight run one after another (they share the GET being read). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly objects: S3Objects, private readonly xorb: string, readonly table: ChunkTable) {
    this.size = table.size;
  }

  read(): number {
    throw syncOnObjectStore('a synchronous xorb read');
  }

  readAsync(into: Uint8Array, position: number, until?: number): Promise<number> {
    const read = this.turn.then(() => this.readNow(into, position, until));
    this.turn = read.catch(() => {});
    return read;
  }

  private async readNow(into: Uint8Array, position: number, until?: number): Promise<number> {
    if (position >= this.size || into.length === 0) return 0;
    for (let attempt = 0; ; attempt++) {
      let r = this.current;
      if (!r || r.position !== position || r.position >= r.end) {
        const following = r !== undefined && r.position === position; // the last GET ended where this read starts
        r?.close();
        this.current = undefined;
        this.window = following ? Math.min(MAX_READ, this.window * 4) : FIRST_READ;
        const end = Math.min(this.size, Math.max(until ?? 0, position + Math.max(into.length, this.window)));
        const body = await this.objects.getRange(dataName(this.xorb), position, end);
        if (!body) throw missingXorb(this.xorb);
        r = this.current = new RangeRead(body, position, end);
      }
      try {
        return await r.read(into);
      } catch (err) {
        // a connection that failed midway: read again from where it stopped
        r.close();
        this.current = undefined;
        if (attempt >= READ_RETRIES) throw this.objects.error(err, `read xorb ${this.xorb}`);
      }
    }
  }

  close(): void {
    this.current?.close();
    this.current = undefined;
  }
}
