/**
 * The Xet CAS's lookups (xet-files.ts) as objects of the store's bucket, beside its manifests:
 * `xet-files/<xet hash>` and `xet-files/first/<chunk hash>`, each holding an oid. Every server on
 * the bucket reads and writes the same entries, so a reconstruction asked of one server finds a
 * file whose shard another server registered. A PUT is atomic; a Xet hash entry is written once
 * (a hash names one content), a first-chunk hint whenever it names another file (last writer wins:
 * losing a hint only loses dedup).
 *
 * Entries known to name their oid are remembered (a bounded set), so a resolve answer, which
 * records its file's hash every time, asks the bucket once per file and server, not per download.
 */
import { checkHashes, HEX64, parseEntry, type XetFileIndex } from './xet-files.js';
import type { S3Objects } from './s3-objects.js';

/** Entries remembered as recorded (about 16 MB at most). */
const KNOWN_MAX = 100_000;

const fileName = (xetHash: string) => `xet-files/${xetHash}`;
const firstName = (chunk: string) => `xet-files/first/${chunk}`;

/** The entries as objects of a bucket. */
export class S3XetFiles implements XetFileIndex {
  private readonly known = new Map<string, string>();

  constructor(private readonly objects: S3Objects) {}

  async recordFile(xetHash: string, oid: string): Promise<void> {
    checkHashes('recordFile', xetHash, oid);
    if (this.known.get(fileName(xetHash)) === oid) return;
    if ((await this.read(fileName(xetHash))) === undefined) await this.objects.put(fileName(xetHash), Buffer.from(`${oid}\n`), 'text/plain');
    this.remember(fileName(xetHash), oid);
  }

  async oidOfFile(xetHash: string): Promise<string | undefined> {
    return HEX64.test(xetHash) ? this.read(fileName(xetHash)) : undefined;
  }

  async recordFirstChunk(chunk: string, oid: string): Promise<void> {
    checkHashes('recordFirstChunk', chunk, oid);
    if ((await this.read(firstName(chunk))) !== oid) await this.objects.put(firstName(chunk), Buffer.from(`${oid}\n`), 'text/plain');
  }

  async oidOfFirstChunk(chunk: string): Promise<string | undefined> {
    return HEX64.test(chunk) ? this.read(firstName(chunk)) : undefined;
  }

  private async read(name: string): Promise<string | undefined> {
    const bytes = await this.objects.get(name);
    return bytes && parseEntry(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  }

  private remember(name: string, oid: string): void {
    if (this.known.size >= KNOWN_MAX) this.known.delete(this.known.keys().next().value!);
    this.known.set(name, oid);
  }
}
