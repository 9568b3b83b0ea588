import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../src/errors.js';
import { fsck } from '../../../src/store/fsck.js';
import { gc } from '../../../src/store/gc.js';
import { addFile } from '../../../src/store/ingest.js';
import { catToFile } from '../../../src/store/reassemble.js';
import { Store } from '../../../src/store/store.js';
import { storeUsage } from '../../../src/store/usage.js';
import { LocalXorbBackend, type XorbEntry, type XorbHandle } from '../../../src/store/xorb-backend.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

/** Xorbs in memory: if any store code touched xorb files directly, this store would break. */
class MemoryBackend extends LocalXorbBackend {
  readonly blobs = new Map<string, { bytes: Buffer; mtimeMs: number }>();
  commit(tmp: string, xorb: string): void {
    if (!this.blobs.has(xorb)) this.blobs.set(xorb, { bytes: readFileSync(tmp), mtimeMs: Date.now() });
    rmSync(tmp);
  }
  exists(xorb: string): boolean {
    return this.blobs.has(xorb);
  }
  open(xorb: string): XorbHandle {
    const b = this.blobs.get(xorb);
    if (!b) throw new IntegrityError(`xorb ${xorb} is missing`, {}, 'missing_xorb');
    const read = (into: Uint8Array, pos: number) => b.bytes.copy(into, 0, pos, Math.min(b.bytes.length, pos + into.length));
    return { size: b.bytes.length, read, readAsync: async (into, pos) => read(into, pos), close() {} };
  }
  *list(): Iterable<XorbEntry> {
    for (const [xorb, b] of this.blobs) yield { xorb, bytes: b.bytes.length, mtimeMs: b.mtimeMs };
  }
  remove(xorb: string): void {
    this.blobs.delete(xorb);
  }
}

describe('the store through another XorbBackend', () => {
  it('adds, deduplicates, reassembles, checks and collects with xorbs kept in memory', async () => {
    const dir = tmpDir();
    const backend = new MemoryBackend();
    const store = await Store.open(join(dir, 'store'), process.env, { xorbs: () => backend });
    try {
      const a = Buffer.from(mulberry32Bytes(7, 2_000_000));
      const b = Buffer.concat([a.subarray(0, 1_500_000), Buffer.from(mulberry32Bytes(8, 500_000))]);
      writeFileSync(join(dir, 'a'), a);
      writeFileSync(join(dir, 'b'), b);
      const ra = await addFile(store, join(dir, 'a'));
      const rb = await addFile(store, join(dir, 'b'));
      expect(backend.blobs.size).toBe(2);
      expect(rb.dedupBytes).toBeGreaterThan(1_000_000);
      await catToFile(store, rb.oid, join(dir, 'b.out'));
      expect(readFileSync(join(dir, 'b.out')).equals(b)).toBe(true);
      expect((await fsck(store)).healthy).toBe(true);
      expect(storeUsage(store).xorbs).toBe(2);
      // damage a byte in memory: fsck names the xorb
      const [first] = backend.blobs.values();
      first.bytes[first.bytes.length >> 1] ^= 1;
      expect((await fsck(store)).healthy).toBe(false);
      first.bytes[first.bytes.length >> 1] ^= 1;
      // gc with nothing kept and no grace removes everything through the backend
      const r = await gc(store, { keep: new Set(), graceMs: 0, now: Date.now() + 1000 });
      expect(r.xorbsRemoved).toBe(2);
      expect(backend.blobs.size).toBe(0);
      expect(ra.oid).not.toBe(rb.oid);
    } finally {
      store.close();
    }
  });
});
