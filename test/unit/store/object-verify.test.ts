import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../src/errors.js';
import type { FileManifest } from '../../../src/formats/manifest.js';
import { importXorb, registerManifest, servedRanges } from '../../../src/store/chunk-api.js';
import { addFile } from '../../../src/store/ingest.js';
import { hasManifest, readManifest } from '../../../src/store/manifest-files.js';
import { checkSha256, checkXetHash, indexedChunkHashes, OpenXorbs } from '../../../src/store/object-verify.js';
import { fileHash } from '../../../src/hash/merkle.js';
import { xetHex } from '../../../src/hash/xet-hex.js';
import { xorbPath } from '../../../src/store/paths.js';
import { Store } from '../../../src/store/store.js';
import { XorbFile } from '../../../src/store/xorb-reader.js';
import { makeModel, mutateModel } from '../../helpers/make-model.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

/** The error `fn` throws or rejects with. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('registerManifest (a server checking a manifest against the xorbs it received)', () => {
  let work: string;
  let client: Store; // packs the files, as a pushing client does
  let server: Store; // receives the client's xorbs through importXorb
  let rev1: FileManifest;
  let rev2: FileManifest;
  beforeAll(async () => {
    work = tmpDir();
    makeModel(join(work, 'rev1'), '4MiB', 71);
    mutateModel(join(work, 'rev1'), join(work, 'rev2'), 0.25, 72);
    client = await Store.open(join(work, 'client'));
    server = await Store.open(join(work, 'server'));
    rev1 = readManifest(client.paths, (await addFile(client, join(work, 'rev1'))).oid)!;
    rev2 = readManifest(client.paths, (await addFile(client, join(work, 'rev2'))).oid)!;
    for (const x of new Set([...rev1.terms, ...rev2.terms].map((t) => t.xorb))) await sendXorb(client, x);
  });
  afterAll(() => {
    client?.close();
    server?.close();
  });

  /** Imports xorb `x` of `from` into the server store, as a xorb PUT does. */
  async function sendXorb(from: Store, x: string): Promise<void> {
    const tmp = join(work, `received-${x}`);
    copyFileSync(xorbPath(from.paths, x), tmp);
    await importXorb(server, tmp, x);
  }

  it('refuses rev2\'s chunks named under rev1\'s oid (their Xet hash is right: only the SHA-256 over the bytes tells), writing nothing', async () => {
    const forged = { ...rev2, oid: rev1.oid, size: rev1.size };
    const err = await thrown(() => registerManifest(server, forged));
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).code).toBe('hash_mismatch');
    expect(hasManifest(server.paths, rev1.oid)).toBe(false);
  });

  it('checks the SHA-256 in reads of any size, each read while the one before is hashed', async () => {
    // 4 MiB files in reads of 8 MiB (one), 64 KiB (several per term) and 1 byte (one chunk each)
    for (const readBytes of [8 << 20, 64 << 10, 1]) {
      const xorbs = new OpenXorbs(server);
      try {
        await xorbs.openAll([...rev1.terms, ...rev2.terms]);
        await checkSha256(rev1, xorbs, readBytes);
        await checkSha256(rev2, xorbs, readBytes);
        const err = await thrown(() => checkSha256({ ...rev2, oid: rev1.oid, size: rev1.size }, xorbs, readBytes));
        expect((err as IntegrityError).code, `reads of ${readBytes} bytes`).toBe('hash_mismatch');
        // a term claiming one byte more than its chunks hold, in the middle of the file
        const mid = Math.floor(rev2.terms.length / 2);
        const short = { ...rev2, terms: rev2.terms.map((t, i) => (i === mid ? { ...t, bytes: t.bytes + 1 } : t)) };
        expect(((await thrown(() => checkSha256(short, xorbs, readBytes))) as IntegrityError).code).toBe('corrupt_xorb');
      } finally {
        xorbs.close();
      }
    }
    expect(rev2.terms.length, 'rev2 has terms on both sides of the middle one').toBeGreaterThan(2);
  });

  it('refuses a manifest whose Xet hash is not its chunks\' and one whose terms claim more bytes than the chunks hold', async () => {
    const err = await thrown(() => registerManifest(server, { ...rev2, xetHash: rev1.xetHash }));
    expect((err as IntegrityError).code).toBe('xet_hash_mismatch');
    const t = rev1.terms[0];
    const padded = { ...rev1, terms: [{ ...t, bytes: t.bytes + 1 }, ...rev1.terms.slice(1)] };
    expect(((await thrown(() => registerManifest(server, padded))) as IntegrityError).code).toBe('corrupt_xorb');
    expect(hasManifest(server.paths, rev1.oid)).toBe(false);
    expect(hasManifest(server.paths, rev2.oid)).toBe(false);
  });

  it('registers a right manifest and returns the ranges the store\'s manifest serves; a second registration keeps the first', async () => {
    const first = await registerManifest(server, rev1);
    expect(first.wrote).toBe(true);
    expect(first.ranges).toEqual(await servedRanges(server, rev1));
    expect(readManifest(server.paths, rev1.oid)).toEqual(rev1);
    const again = await registerManifest(server, rev1);
    expect(again).toEqual({ wrote: false, ranges: first.ranges });
    expect((await registerManifest(server, rev2)).wrote).toBe(true);
  });

  it('checks the Xet hash of a xorb whose chunks the index has in another xorb by hashing just those chunks', async () => {
    // a second client packs a file that starts like rev1: its xorb repeats rev1's first chunks,
    // which the server's index keeps pointing at rev1's xorb (one row per chunk hash)
    const other = await Store.open(join(work, 'other'));
    try {
      const bytes = Buffer.concat([readFileSync(join(work, 'rev1')).subarray(0, 1 << 20), Buffer.from(mulberry32Bytes(73, 1 << 20))]);
      writeFileSync(join(work, 'mixed'), bytes);
      const mixed = readManifest(other.paths, (await addFile(other, join(work, 'mixed'))).oid)!;
      expect(mixed.terms).toHaveLength(1);
      await sendXorb(other, mixed.terms[0].xorb);
      const f = XorbFile.open(server.xorbs, mixed.terms[0].xorb);
      try {
        const rows = server.index.chunksOf(f.xorb).length;
        expect(rows).toBeGreaterThan(0);
        expect(rows).toBeLessThan(f.records().length);
        expect(indexedChunkHashes(server, f)).toEqual(f.chunkHashes(server.hashers));
      } finally {
        f.close();
      }
      expect((await registerManifest(server, mixed)).wrote).toBe(true);
      expect(((await thrown(() => registerManifest(server, { ...mixed, oid: rev2.oid, size: rev2.size }))) as IntegrityError).code).toBe('hash_mismatch');
    } finally {
      other.close();
    }
  });
});

describe('checkXetHash over a file whose terms come back to a xorb after many others', () => {
  it('checks the file with only a few xorbs\' hashes kept, and refuses it when one term names other chunks', async () => {
    const work = tmpDir();
    const store = await Store.open(join(work, 'store'));
    try {
      // ten files added one by one: ten xorbs of a few chunks each
      const xorbs: string[] = [];
      for (let k = 0; k < 10; k++) {
        writeFileSync(join(work, `f${k}`), mulberry32Bytes(900 + k, 300_000));
        const m = readManifest(store.paths, (await addFile(store, join(work, `f${k}`))).oid)!;
        expect(m.terms).toHaveLength(1);
        expect(m.terms[0].chunkEnd).toBeGreaterThanOrEqual(2);
        xorbs.push(m.terms[0].xorb);
      }
      expect(new Set(xorbs).size).toBe(10);
      // chunk 0 of each xorb in turn, then chunk 1 of each: the second pass returns to xorbs evicted meanwhile
      const picks = [0, 1].flatMap((c) => xorbs.map((xorb) => ({ xorb, c, chunk: store.index.chunksOf(xorb)[c] })));
      const terms = picks.map(({ xorb, c, chunk }) => ({ xorb, chunkStart: c, chunkEnd: c + 1, bytes: chunk.length }));
      const manifest: FileManifest = { version: 1, oid: '0'.repeat(64), size: terms.reduce((n, t) => n + t.bytes, 0), xetHash: xetHex(fileHash(picks.map((p) => ({ hash: p.chunk.hash, size: p.chunk.length })), store.hashers)), terms };
      const open = new OpenXorbs(store);
      try {
        await open.openAll(terms);
        expect(() => checkXetHash(store, manifest, open)).not.toThrow();
        const swapped = { ...manifest, terms: terms.map((t, i) => (i === 15 ? { ...t, xorb: xorbs[4] } : t)) }; // chunk 1 of another xorb
        const err = await thrown(() => checkXetHash(store, swapped, open));
        expect((err as IntegrityError).code).toBe('xet_hash_mismatch');
      } finally {
        open.close();
      }
    } finally {
      store.close();
    }
  });
});
