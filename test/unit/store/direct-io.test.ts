/**
 * The store's xorbs past the page cache (fs/direct-io.ts): written O_DIRECT by XorbWriter, read
 * back O_DIRECT by a push's upload pieces and a pull's unchanged runs, byte for byte the same as
 * through the page cache, and falling back to it where a direct write is refused. Whether the
 * bytes went past the cache is read from the kernel: `fincore` (util-linux) counts a file's pages
 * in the page cache. On a file system without O_DIRECT (tmpfs) the tests that count pages are
 * skipped, and say so; the byte-for-byte tests run everywhere.
 */
import { closeSync, constants, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/fs/buffer-pool.js';
import { ChunkHashList } from '../../../src/hash/chunk-hash-list.js';
import { addFile } from '../../../src/store/ingest.js';
import { LocalChunkReader } from '../../../src/store/local-chunks.js';
import { xorbPath } from '../../../src/store/paths.js';
import { requireManifest } from '../../../src/store/reassemble.js';
import { Store } from '../../../src/store/store.js';
import { XorbFile } from '../../../src/store/xorb-reader.js';
import { XorbWriter } from '../../../src/store/xorb-writer.js';
import { xorbPieces } from '../../../src/transfer/xorb-pieces.js';
import { fileChunkHashes } from '../../helpers/file-chunk-hashes.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';
import { cachedPages } from '../../helpers/page-cache.js';

/** True when the file system under `dir` takes O_DIRECT (asked of the kernel itself, not of openDirect, which HUB_DIRECT_IO=0 turns off). */
function directWorks(dir: string): boolean {
  const probe = join(dir, 'probe');
  closeSync(openSync(probe, 'w'));
  try {
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_DIRECT));
    return true;
  } catch {
    return false;
  }
}

describe('the store past the page cache (O_DIRECT)', () => {
  let dir: string;
  let store: Store;
  let direct: boolean;
  beforeAll(async () => {
    dir = tmpDir();
    store = await Store.open(join(dir, 'store'));
    direct = directWorks(dir);
    if (!direct) console.log(`direct-io.test: ${dir} refuses O_DIRECT: the page-count tests are skipped`);
  });
  afterAll(() => store?.close());
  const given = process.env.HUB_DIRECT_IO;
  afterEach(() => {
    if (given === undefined) delete process.env.HUB_DIRECT_IO;
    else process.env.HUB_DIRECT_IO = given;
  });

  /** 300 chunks of 60,000-68,191 bytes (about 19 MiB: five 4 MiB buffers, each ending in a partial block), seed 17. */
  const chunks = Array.from({ length: 300 }, (_, i) => Buffer.from(mulberry32Bytes(17 + i, 60_000 + ((i * 2654435761) % 8192))));

  async function writeXorb(pool?: BufferPool): Promise<{ xorb: string; writer: XorbWriter }> {
    const writer = new XorbWriter(store.paths, store.hashers, store.xorbs, pool);
    for (const c of chunks) writer.append(store.hashers.chunk.hash(c), c);
    const sealed = writer.seal();
    await sealed.durable;
    return { xorb: sealed.xorb, writer };
  }

  function verifies(xorb: string): void {
    const f = XorbFile.open(store.xorbs, xorb);
    try {
      expect(f.verify(store.hashers)).toHaveLength(chunks.length);
      for (const i of [0, 61, 62, 150, 299]) {
        const { bytes, records } = f.readChunks(i, i + 1);
        expect(Buffer.from(bytes.subarray(records[0].dataOffset - records[0].offset)).equals(chunks[i])).toBe(true);
      }
    } finally {
      f.close();
    }
  }

  it.skipIf(!directWorksHere())('a xorb is written past the page cache (all but its last partial block), and verifies', async () => {
    const { xorb, writer } = await writeXorb();
    const path = xorbPath(store.paths, xorb);
    const size = statSync(path).size;
    expect(cachedPages(path)).toBeLessThanOrEqual(1);
    expect(writer.directBytes).toBe(size - (size % 4096));
    verifies(xorb);
    // the same bytes through the page cache, to show the count tells the two apart
    store.xorbs.remove(xorb);
    process.env.HUB_DIRECT_IO = '0';
    const buffered = await writeXorb();
    expect(buffered.xorb).toBe(xorb);
    expect(buffered.writer.directBytes).toBe(0);
    expect(cachedPages(path)).toBeGreaterThan(size / 4096 / 2);
    verifies(xorb);
  });

  it('falls back to the page cache when a direct write is refused (buffers not page-aligned): the same xorb', async () => {
    const { xorb: aligned } = await writeXorb();
    store.xorbs.remove(aligned);
    // node's own buffers are not page-aligned: the kernel refuses them with EINVAL
    const { xorb, writer } = await writeXorb(new BufferPool(4 << 20, 4));
    expect(xorb).toBe(aligned);
    expect(writer.directBytes).toBe(0);
    verifies(xorb);
  });

  it.skipIf(!directWorksHere())('a push reads a xorb in upload pieces past the page cache, every byte right', async () => {
    const { xorb } = await writeXorb();
    const path = xorbPath(store.paths, xorb);
    const pieces: Buffer[] = [];
    let sent = 0;
    for (const p of xorbPieces({ openXorb: (x) => store.xorbs.open(x) }, xorb, (n) => (sent += n))) pieces.push(Buffer.from(p));
    const whole = readFileSync(path);
    expect(whole.length % 4096).not.toBe(0); // the last piece ends inside a block
    expect(Buffer.concat(pieces).equals(whole)).toBe(true);
    expect(sent).toBe(whole.length);
    // what readFileSync just cached is dropped by a direct write of the same xorb: read again, it stays uncached
    store.xorbs.remove(xorb);
    await writeXorb();
    for (const p of xorbPieces({ openXorb: (x) => store.xorbs.open(x) }, xorb, () => {})) expect(p.length).toBeGreaterThan(0);
    expect(cachedPages(path)).toBeLessThanOrEqual(1);
  });

  it('upload pieces from a handle without direct reads are the same bytes', async () => {
    const { xorb } = await writeXorb();
    const plain = (x: string) => {
      const h = store.xorbs.open(x);
      return { size: h.size, read: h.read.bind(h), close: h.close.bind(h) };
    };
    const pieces: Buffer[] = [];
    for (const p of xorbPieces({ openXorb: plain }, xorb, () => {})) pieces.push(Buffer.from(p)); // copied as they come: the pieces' buffers are reused
    expect(Buffer.concat(pieces).equals(readFileSync(xorbPath(store.paths, xorb)))).toBe(true);
  });

  it('a pull reads long runs of unchanged chunks past the page cache from unaligned offsets, every byte right', async () => {
    // ~29 MiB: runs of up to 8 MiB, the last one still longer than 4 MiB (a shorter run is read through the cache)
    const data = Buffer.from(mulberry32Bytes(23, 31_000_000));
    writeFileSync(join(dir, 'f'), data);
    const { oid } = await addFile(store, join(dir, 'f'));
    const terms = requireManifest(store, oid).terms;
    const hashes = fileChunkHashes(store, oid);
    const reader = new LocalChunkReader(store);
    try {
      // from the 7th chunk on: the first run starts inside a block
      const where = reader.locate(ChunkHashList.fromHex(hashes)!)!.slice(7);
      expect(where[0].offset % 4096).not.toBe(0);
      // reading the chunk hashes above cached a page per record header: count what the runs add
      const paths = [...new Set(terms.map((t) => xorbPath(store.paths, t.xorb)))];
      const before = direct ? paths.map(cachedPages) : [];
      const got: Buffer[] = [];
      await reader.readEach(where, (part, _from, release) => {
        got.push(...part.map((c) => Buffer.from(c)));
        release();
      });
      const expected = data.subarray(data.length - got.reduce((n, b) => n + b.length, 0));
      expect(Buffer.concat(got).equals(expected)).toBe(true);
      // read through the cache, the runs would add ~7,000 pages
      if (direct) paths.forEach((p, i) => expect(cachedPages(p) - before[i]).toBeLessThanOrEqual(4));
    } finally {
      reader.close();
    }
  });
});

/** Evaluated when the tests are collected: a probe in a directory of its own. */
function directWorksHere(): boolean {
  return directWorks(tmpDir());
}
