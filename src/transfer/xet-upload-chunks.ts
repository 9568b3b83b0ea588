/**
 * The chunks of the files of one Xet upload (xet-upload.ts), in file order, as parallel arrays. A
 * 100 GiB file has about 1.6 million chunks; an object per chunk (its hash, Xet hex and place)
 * cost ~600 bytes each, and a 10 GiB push held 90 MiB of them before its first byte went up.
 * Here a chunk is a number, and costs 44 bytes.
 */
import { IntegrityError } from '../errors.js';
import type { FileManifest } from '../formats/manifest.js';
import { xetHex } from '../hash/xet-hex.js';
import type { UploadSource } from './store-interfaces.js';

/** One file of the upload: its chunks are [start, end) of the arrays. */
export interface UploadFile {
  oid: string;
  manifest: FileManifest;
  start: number;
  end: number;
}

export class UploadChunks {
  readonly count: number;
  /** 32 bytes per chunk: a file's consecutive chunks are consecutive here (a term's verification hash reads them in place). */
  readonly hashes: Uint8Array;
  readonly lengths: Uint32Array;
  /** Each chunk's chunk number in its local xorb. */
  readonly indexIn: Uint32Array;
  readonly files: UploadFile[] = [];
  /** Each chunk's local xorb, as an index into `xorbNames`. */
  private readonly xorbOf: Uint32Array;
  private readonly xorbNames: string[] = [];

  /** The chunks of `oids` (hashes from the store's index, or its xorbs' bytes). */
  constructor(source: UploadSource, oids: readonly string[]) {
    const manifests = oids.map((oid) => source.manifest(oid));
    this.count = manifests.reduce((n, m) => n + m.terms.reduce((k, t) => k + t.chunkEnd - t.chunkStart, 0), 0);
    this.hashes = new Uint8Array(32 * this.count);
    this.lengths = new Uint32Array(this.count);
    this.indexIn = new Uint32Array(this.count);
    this.xorbOf = new Uint32Array(this.count);
    const ids = new Map<string, number>();
    let at = 0;
    manifests.forEach((manifest, f) => {
      const start = at;
      for (const t of manifest.terms) {
        let id = ids.get(t.xorb);
        if (id === undefined) ids.set(t.xorb, (id = this.xorbNames.push(t.xorb) - 1));
        const infos = source.xorbs.chunks(t.xorb, t.chunkStart, t.chunkEnd) ?? source.xorbChunks(t.xorb).slice(t.chunkStart, t.chunkEnd);
        if (infos.length !== t.chunkEnd - t.chunkStart) throw new IntegrityError(`local xorb ${t.xorb} lacks chunks ${t.chunkStart}-${t.chunkEnd} of ${oids[f]}`, { data: { xorb: t.xorb } }, 'missing_chunk');
        infos.forEach((c, k) => {
          this.hashes.set(c.hash, 32 * at);
          this.lengths[at] = c.length;
          this.indexIn[at] = t.chunkStart + k;
          this.xorbOf[at++] = id;
        });
      }
      this.files.push({ oid: oids[f], manifest, start, end: at });
    });
  }

  hash(i: number): Uint8Array {
    return this.hashes.subarray(32 * i, 32 * i + 32);
  }

  hex(i: number): string {
    return xetHex(this.hash(i));
  }

  xorb(i: number): string {
    return this.xorbNames[this.xorbOf[i]];
  }

  /** Runs [start, end) of consecutive chunks in one local xorb, by xorb. */
  runsByXorb(): Map<string, Array<[number, number]>> {
    const runs = new Map<string, Array<[number, number]>>();
    for (let i = 0; i < this.count; ) {
      let j = i + 1;
      while (j < this.count && this.xorbOf[j] === this.xorbOf[i]) j++;
      const x = this.xorb(i);
      let list = runs.get(x);
      if (!list) runs.set(x, (list = []));
      list.push([i, j]);
      i = j;
    }
    return runs;
  }
}
