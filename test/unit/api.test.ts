import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkFile, checkStore, measureStore, silentProgress, storeAdd, storeCat, NotFoundError } from '../../src/index.js';
import { sha256Hex } from '../../src/hash/sha256.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../helpers/vectors.js';

describe('programmatic API (src/index.ts)', () => {
  it('adds, measures, checks and restores a 40 MB file in process (inline SHA-256 path)', async () => {
    const dir = tmpDir();
    const ctx = { cwd: dir, env: { HUB_HOME: join(dir, 'home') }, progress: silentProgress, signal: new AbortController().signal };
    const data = mulberry32Bytes(77, 40_000_000);
    writeFileSync(join(dir, 'w.bin'), data);
    const added = await storeAdd(ctx, ['w.bin']);
    expect(added.files[0]).toMatchObject({ oid: sha256Hex(data), size: data.length, newBytes: data.length, dedupBytes: 0 });
    const listing = await chunkFile(ctx, 'w.bin');
    expect(listing.oid).toBe(added.files[0].oid);
    expect(listing.xetHash).toBe(added.files[0].xetHash);
    expect(listing.chunks.reduce((n, c) => n + c.length, 0)).toBe(data.length);
    expect((await measureStore(ctx)).indexedBytes).toBe(data.length);
    expect((await checkStore(ctx)).healthy).toBe(true);
    await storeCat(ctx, added.files[0].oid, { output: 'out.bin' });
    expect(sha256Hex(readFileSync(join(dir, 'out.bin')))).toBe(added.files[0].oid);
    await expect(storeCat(ctx, 'ef'.repeat(32), { output: 'none.bin' })).rejects.toBeInstanceOf(NotFoundError);
  });
});
