import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyStatCache, RACY_FINE_NS, RACY_NS, trustedEntry, type StatCacheEntry } from '../../../src/formats/stat-cache.js';
import { loadStatCache, saveStatCache } from '../../../src/repo/stat-cache-file.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const entry = (mtimeNs: bigint): StatCacheEntry => ({ size: 3, mtimeNs, ctimeNs: mtimeNs, ino: 7, mode: 0o100644, blob: 'a'.repeat(40) });
const stat = (e: StatCacheEntry) => ({ size: e.size, mtimeNs: e.mtimeNs, ctimeNs: e.ctimeNs, ino: e.ino, mode: e.mode });

describe('the stat cache racy rule', () => {
  const written = 1_700_000_000_000_000_000n;
  it('fine time stamps: trusted once 50 ms older than the cache; coarse (whole-millisecond) ones need a second', () => {
    const cache = emptyStatCache();
    cache.writtenNs = written;
    const fineRecent = entry(written - RACY_FINE_NS + 123n);
    const fineOld = entry(written - RACY_FINE_NS - 123n);
    const coarseRecent = entry(written - RACY_NS / 2n); // a whole number of ms: a coarse file system
    const coarseOld = entry(written - RACY_NS - 1_000_000n);
    for (const [name, e] of Object.entries({ fineRecent, fineOld, coarseRecent, coarseOld })) cache.entries.set(name, e);
    expect(trustedEntry(cache, 'fineRecent', stat(fineRecent))).toBeUndefined();
    expect(trustedEntry(cache, 'fineOld', stat(fineOld))).toBe(fineOld);
    expect(trustedEntry(cache, 'coarseRecent', stat(coarseRecent))).toBeUndefined();
    expect(trustedEntry(cache, 'coarseOld', stat(coarseOld))).toBe(coarseOld);
    expect(trustedEntry(cache, 'fineOld', { ...stat(fineOld), size: 4 })).toBeUndefined();
  });

  it('saving waits out the fine margin for a file just written, so the next command trusts it', () => {
    const dir = tmpDir();
    const paths = { workdir: dir, gitdir: join(dir, '.git'), hubdir: join(dir, '.git', 'hub') };
    mkdirSync(paths.hubdir, { recursive: true });
    const cache = emptyStatCache();
    const justNow = BigInt(Date.now()) * 1_000_000n + 123_456n; // sub-millisecond digits: fine time stamps
    cache.entries.set('model.safetensors', { ...entry(justNow), lfs: { oid: 'b'.repeat(64), size: 3 } });
    saveStatCache(paths as never, cache);
    const loaded = loadStatCache(paths as never);
    expect(loaded.writtenNs - justNow).toBeGreaterThanOrEqual(RACY_FINE_NS);
    expect(trustedEntry(loaded, 'model.safetensors', stat(entry(justNow)))).toBeDefined();
  });
});

describe('what the stat cache keeps', () => {
  it('only large files: a small file is proven by its index entry, so its row is not written', () => {
    const dir = tmpDir();
    const paths = { workdir: dir, gitdir: join(dir, '.git'), hubdir: join(dir, '.git', 'hub') };
    mkdirSync(paths.hubdir, { recursive: true });
    const cache = emptyStatCache();
    const old = 1_600_000_000_000_000_000n;
    cache.entries.set('small.txt', entry(old));
    cache.entries.set('big.bin', { ...entry(old), lfs: { oid: 'c'.repeat(64), size: 3 } });
    saveStatCache(paths as never, cache);
    expect([...loadStatCache(paths as never).entries.keys()]).toEqual(['big.bin']);
  });
});
