/** LayoutCache (server/layout-cache.ts): one load per file's terms, layouts with hashes serve either kind, the oldest of five goes, a failure is not kept. */
import { describe, expect, it } from 'vitest';
import type { FileManifest } from '../../../src/formats/manifest.js';
import { LayoutCache } from '../../../src/server/layout-cache.js';
import type { TermLayout } from '../../../src/store/chunk-api.js';

const manifest = (n: number, chunkEnd = 4): FileManifest => ({ version: 1, oid: String(n).repeat(64).slice(0, 64), size: 400, xetHash: 'e'.repeat(64), terms: [{ xorb: 'a'.repeat(64), chunkStart: 0, chunkEnd, bytes: 400 }] });

describe('LayoutCache', () => {
  it('loads each file once, serves a plain request from layouts with hashes, keeps the four last files, forgets failures', async () => {
    const cache = new LayoutCache();
    const loads: string[] = [];
    const load = (what: string) => async (): Promise<TermLayout[]> => {
      loads.push(what);
      return [];
    };
    await cache.get(manifest(1), true, load('1 hashes'));
    await cache.get(manifest(1), true, load('1 hashes again'));
    await cache.get(manifest(1), false, load('1 plain'));
    expect(loads).toEqual(['1 hashes']);
    await cache.get(manifest(1, 3), false, load('1 with other terms'));
    expect(loads).toEqual(['1 hashes', '1 with other terms']); // other terms, other layouts
    for (const n of [2, 3, 4]) await cache.get(manifest(n), false, load(`${n}`));
    await cache.get(manifest(1), true, load('1 hashes after 4 others'));
    expect(loads.at(-1)).toBe('1 hashes after 4 others');
    const failing = async (): Promise<TermLayout[]> => {
      loads.push('5 failed');
      throw new Error('no such xorb');
    };
    await expect(cache.get(manifest(5), false, failing)).rejects.toThrow('no such xorb');
    await cache.get(manifest(5), false, load('5 again'));
    expect(loads.slice(-2)).toEqual(['5 failed', '5 again']);
  });
});
