/**
 * How the web pages read stored objects (src/server/web/web-sources.ts): a byte range through the
 * object's layout, placed from the manifest and resolved term by term, equals the file's bytes
 * (seeded random ranges, term boundaries, the whole file), with the chunk records taken from the
 * chunk index or, where the index lacks rows, from the xorb's record headers; the chunk table a
 * diff fingerprints with is the store's own; and a header read opens only the xorb holding the
 * header (the others may be gone), so a page showing a tensor list never touches the rest of a
 * large file.
 */
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileManifest } from '../../../../src/formats/manifest.js';
import { fromXetHex, xetHex } from '../../../../src/hash/xet-hex.js';
import { previewTensors } from '../../../../src/server/web/file-preview.js';
import { StoreReader } from '../../../../src/server/web/store-reader.js';
import { storeSource } from '../../../../src/server/web/web-sources.js';
import { addFile } from '../../../../src/store/ingest.js';
import { readManifest } from '../../../../src/store/manifest-files.js';
import { indexedChunkHashes } from '../../../../src/store/object-verify.js';
import { xorbPath } from '../../../../src/store/paths.js';
import { Store } from '../../../../src/store/store.js';
import { XorbFile } from '../../../../src/store/xorb-reader.js';
import { makeModel, mutateModel } from '../../../helpers/make-model.js';
import { seededRandom, testSeed } from '../../../helpers/seed.js';
import { tmpDir } from '../../../helpers/tmp-dir.js';

describe('stored objects as the web pages read them', () => {
  const work = tmpDir();
  let store: Store;
  const files: Record<'rev1' | 'rev2', { bytes: Buffer; manifest: FileManifest }> = {} as never;

  beforeAll(async () => {
    makeModel(join(work, 'rev1'), '4MiB', 81);
    mutateModel(join(work, 'rev1'), join(work, 'rev2'), 0.25, 82);
    store = await Store.open(join(work, 'store'));
    for (const name of ['rev1', 'rev2'] as const) {
      const { oid } = await addFile(store, join(work, name));
      files[name] = { bytes: readFileSync(join(work, name)), manifest: readManifest(store.paths, oid)! };
    }
    // rev2 shares chunks with rev1: its terms alternate between rev1's xorb and its own
    expect(files.rev2.manifest.terms.length).toBeGreaterThan(2);
    expect(new Set(files.rev2.manifest.terms.map((t) => t.xorb)).size).toBe(2);
  });
  afterAll(() => store?.close());

  /** Every byte range worth trying: term boundaries, the ends, the whole file, and seeded random ones. */
  function ranges(m: FileManifest, seed: number): Array<[number, number]> {
    const out: Array<[number, number]> = [[0, 0], [0, 1], [0, m.size], [m.size - 1, m.size], [-5, 10], [m.size - 10, m.size + 10], [m.size, m.size + 1]];
    let at = 0;
    for (const t of m.terms) {
      at += t.bytes;
      out.push([at - 1, at + 1], [at - 70_000, at + 70_000], [at, at + 3]);
    }
    const next = seededRandom(seed);
    for (let i = 0; i < 60; i++) {
      const a = Math.floor(next() * m.size);
      out.push([a, a + Math.floor(next() * (i % 3 === 0 ? 12 << 20 : 300_000))]);
    }
    return out;
  }

  async function expectReads(reader: StoreReader, seed: number): Promise<void> {
    for (const name of ['rev1', 'rev2'] as const) {
      const { bytes, manifest } = files[name];
      const layout = await reader.layout(manifest.oid, name);
      for (const [a, b] of ranges(manifest, seed)) {
        const want = bytes.subarray(Math.max(0, a), Math.max(Math.max(0, a), Math.min(b, bytes.length)));
        expect(Buffer.compare(Buffer.from(await reader.read(layout, a, b)), want), `${name} [${a}, ${b})`).toBe(0);
      }
    }
  }

  /** The chunk table of `m` built the store's way: each xorb's record headers and indexed chunk hashes. */
  function storeChunkTable(m: FileManifest): Array<{ offset: number; length: number; hash: string }> {
    const out: Array<{ offset: number; length: number; hash: string }> = [];
    let offset = 0;
    for (const t of m.terms) {
      const f = XorbFile.open(store.xorbs, t.xorb);
      const records = f.records();
      const hashes = indexedChunkHashes(store, f);
      for (let i = t.chunkStart; i < t.chunkEnd; i++) {
        out.push({ offset, length: records[i].length, hash: xetHex(hashes[i]) });
        offset += records[i].length;
      }
      f.close();
    }
    return out;
  }

  it('reads any byte range as the file has it, and fingerprints with the store\'s chunk table', async () => {
    const seed = testSeed('web-sources ranges');
    const reader = new StoreReader(store);
    await expectReads(reader, seed);
    for (const name of ['rev1', 'rev2'] as const) {
      const chunks = (await reader.chunks(await reader.layout(files[name].manifest.oid, name))).map((c) => ({ offset: c.offset, length: c.length, hash: c.hash }));
      expect(chunks).toEqual(storeChunkTable(files[name].manifest));
    }
  });

  it('passes its gate before every read of xorb bytes (where a background worker waits for a quiet server)', async () => {
    let calls = 0;
    const reader = new StoreReader(store, undefined, () => void calls++);
    const { manifest, bytes } = files.rev2;
    const layout = await reader.layout(manifest.oid, 'rev2');
    expect(calls).toBe(0); // a layout reads the manifest, not xorb bytes
    expect(Buffer.from(await reader.read(layout, 0, manifest.size)).equals(bytes)).toBe(true);
    // rev2's terms alternate between two xorbs: one read per term at least, each gated
    expect(calls).toBeGreaterThanOrEqual(manifest.terms.filter((t) => t.bytes > 0).length);
    const before = calls;
    await reader.read(layout, 10, 20);
    expect(calls).toBe(before + 1);
    const refusing = new StoreReader(store, undefined, () => {
      throw new Error('the gate stopped the read');
    });
    await expect(refusing.read(await refusing.layout(manifest.oid, 'rev2'), 0, 100)).rejects.toThrow('the gate stopped the read');
  });

  it('reads the same where the chunk index lacks rows of a xorb (records from the xorb itself)', async () => {
    const seed = testSeed('web-sources ranges without index rows');
    const db = new Database(store.paths.index);
    try {
      const xorb = files.rev2.manifest.terms[1].xorb;
      const removed = db.prepare('DELETE FROM chunks WHERE xorb = (SELECT id FROM xorbs WHERE hash = ?) AND idx % 7 = 3').run(Buffer.from(fromXetHex(xorb))).changes;
      expect(removed).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    const reader = new StoreReader(store);
    await expectReads(reader, seed);
    for (const name of ['rev1', 'rev2'] as const) {
      const chunks = (await reader.chunks(await reader.layout(files[name].manifest.oid, name))).map((c) => ({ offset: c.offset, length: c.length, hash: c.hash }));
      expect(chunks).toEqual(storeChunkTable(files[name].manifest));
    }
  });

  it('lists tensors from the header opening only the xorb that holds it', async () => {
    const { manifest } = files.rev2;
    const whole = await previewTensors(await storeSource(new StoreReader(store), manifest.oid, 'rev2'), 'safetensors');
    const others = [...new Set(manifest.terms.map((t) => t.xorb))].filter((x) => x !== manifest.terms[0].xorb);
    expect(others.length).toBe(1);
    const path = xorbPath(store.paths, others[0]);
    renameSync(path, `${path}.away`);
    try {
      const reader = new StoreReader(store);
      expect(await previewTensors(await storeSource(reader, manifest.oid, 'rev2'), 'safetensors')).toEqual(whole);
      expect(whole.count).toBeGreaterThan(10);
      await expect(reader.read(await reader.layout(manifest.oid, 'rev2'), 0, manifest.size)).rejects.toThrow(); // the rest needs the other xorb
    } finally {
      renameSync(`${path}.away`, path);
    }
  });
});
