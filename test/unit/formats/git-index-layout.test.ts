/**
 * The index read in place (git-index-layout.ts), which `hub status` walks beside the working
 * tree: entry order and lookup against JavaScript strings in git's byte order, the same checks as
 * parseGitIndex but for the SHA-1 trailer (which git, too, checks only in fsck), and the packed
 * stat test agreeing with entryMatchesStat.
 */
import { lstatSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparePathTo, indexLayout, layoutFind, layoutPath } from '../../../src/formats/git-index-layout.js';
import { compareIndexPaths, layoutEntry, parseGitIndex, serializeGitIndex, type GitIndexEntry } from '../../../src/formats/git-index.js';
import { entryMatchesStat, indexEntryFromStat } from '../../../src/formats/git-index-stat.js';
import { packStat, STAT_FIELDS } from '../../../src/repo/lstat-pack.js';
import { matchesPackedStat } from '../../../src/repo/packed-stat-match.js';
import { FormatError } from '../../../src/errors.js';

const OID = 'e69de29bb2d1d6434b8b29ae775a7de0e5b8e2a7';
const entry = (path: string, stage = 0, over: Partial<GitIndexEntry> = {}): GitIndexEntry => ({
  path, oid: OID, mode: 0o100644, size: 0, ctimeSeconds: 0, ctimeNanoseconds: 0, mtimeSeconds: 0, mtimeNanoseconds: 0,
  dev: 0, ino: 0, uid: 0, gid: 0, stage, assumeValid: false, skipWorktree: false, intentToAdd: false, ...over,
});

// ASCII, Latin-1, a CJK name, an astral character (after U+E000-U+FFFF in UTF-8 order), prefixes of one another
const PATHS = ['a-b', 'a.b', 'a/b', 'a/bc/d', 'a0', 'ab', 'z', 'é.txt', 'é/x', 'e\u0301', '日本/語.txt', '\uffff', '😀.bin', '😀/x', 'ﬀ.txt', 'Z'];

describe('the index layout', () => {
  it('compares entry paths with strings in git byte order, and finds lower bounds, as compareIndexPaths orders them', () => {
    const sorted = [...PATHS].sort(compareIndexPaths);
    const l = indexLayout(serializeGitIndex(sorted.map((p) => entry(p))));
    expect(l.count).toBe(sorted.length);
    const probes = [...PATHS, '', 'a', 'a/', 'a/a', 'a/bc', 'a/c', 'é', 'é/', '😀', '😀/', '日', '日本/', '\ue000', 'zz'];
    for (let i = 0; i < l.count; i++) {
      expect(layoutPath(l, i)).toBe(sorted[i]);
      for (const p of probes) expect(Math.sign(comparePathTo(l, i, p)), `${sorted[i]} vs ${p}`).toBe(Math.sign(compareIndexPaths(sorted[i], p)));
    }
    for (const p of probes) expect(layoutFind(l, p), p).toBe(sorted.filter((q) => compareIndexPaths(q, p) < 0).length);
  });

  it('reads the entries parseGitIndex reads, conflict stages and extended flags included', () => {
    const entries = [entry('a', 1), entry('a', 3), entry('b', 0, { skipWorktree: true, size: 7, mtimeSeconds: 9 }), entry('c/d', 0, { assumeValid: true, mode: 0o120000 })];
    const bytes = serializeGitIndex(entries);
    const l = indexLayout(bytes);
    expect(l.hasConflicts).toBe(true);
    expect(Array.from({ length: l.count }, (_, i) => layoutEntry(l, i))).toEqual(parseGitIndex(bytes).entries);
    expect(indexLayout(serializeGitIndex([entry('x')])).hasConflicts).toBe(false);
  });

  it('leaves the SHA-1 trailer to parseGitIndex, and refuses everything else parseGitIndex refuses', () => {
    const bytes = serializeGitIndex([entry('a'), entry('b')]);
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 1] ^= 1;
    expect(() => parseGitIndex(flipped)).toThrow('bad git index: index checksum mismatch');
    expect(indexLayout(flipped).count).toBe(2);
    // entries out of order: the first path's byte changed ('a' -> 'c'); the layout does not look at the trailer
    const swapped = Uint8Array.from(bytes);
    swapped[12 + 62] = 0x63; // 'a' -> 'c'
    const errorOf = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const layoutError = errorOf(() => indexLayout(swapped));
    expect(layoutError).toBeInstanceOf(FormatError);
    expect((layoutError as Error).message).toBe('bad git index: entry 2: "b" is out of order (after "c")');
    for (const bad of ['.git/x', 'a//b', 'a/./b', 'a/../b', 'A/.GiT']) {
      const b = serializeGitIndex([entry('q'.repeat(bad.length))]);
      b.set(Buffer.from(bad), 12 + 62);
      expect(() => indexLayout(b), bad).toThrow(/bad git index: entry 1: path /);
    }
  });

  it('matchesPackedStat agrees with entryMatchesStat, field by field, for a file and a symlink', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-layout-'));
    writeFileSync(join(dir, 'f'), 'content\n');
    symlinkSync('f', join(dir, 'l'));
    for (const name of ['f', 'l']) {
      const st = lstatSync(join(dir, name), { bigint: true });
      const exact = indexEntryFromStat(name, OID, st);
      const packed = new Float64Array(STAT_FIELDS);
      packStat(st, packed, 0);
      const plain = { mode: Number(st.mode), size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: Number(st.ino), uid: Number(st.uid), gid: Number(st.gid) };
      const variants = [exact, ...(['size', 'ino', 'mtimeSeconds', 'mtimeNanoseconds', 'ctimeSeconds', 'ctimeNanoseconds', 'uid', 'gid'] as const).map((k) => ({ ...exact, [k]: exact[k] + 1 })), { ...exact, mode: 0o100755 }];
      for (const v of variants) {
        const l = indexLayout(serializeGitIndex([v]));
        expect(matchesPackedStat(l, 0, packed, 0), `${name} ${JSON.stringify(v)}`).toBe(entryMatchesStat(v, plain));
      }
      expect(entryMatchesStat(exact, plain)).toBe(true);
    }
  });
});
