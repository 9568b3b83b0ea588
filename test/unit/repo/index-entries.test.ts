import { describe, expect, it } from 'vitest';
import { parseGitIndex, serializeGitIndex, type GitIndexEntry } from '../../../src/formats/git-index.js';
import { conflictKind, IndexEntries } from '../../../src/repo/index-entries.js';

const OID = (c: string) => c.repeat(40);

function entry(path: string, stage = 0, oid = OID('a')): GitIndexEntry {
  return {
    path, oid, mode: 0o100644, size: 1, ctimeSeconds: 1, ctimeNanoseconds: 0, mtimeSeconds: 1, mtimeNanoseconds: 0,
    dev: 0, ino: 1, uid: 0, gid: 0, stage, assumeValid: false, skipWorktree: false, intentToAdd: false,
  };
}

/** An index as git leaves it after a conflicted merge: a.txt at stages 1-3, d.txt at 1-2, b.txt merged. */
function conflicted(): IndexEntries {
  const bytes = serializeGitIndex([entry('b.txt'), entry('a.txt', 3, OID('3')), entry('d.txt', 1, OID('4')), entry('a.txt', 1, OID('1')), entry('a.txt', 2, OID('2')), entry('d.txt', 2, OID('5'))]);
  return new IndexEntries(parseGitIndex(bytes).entries);
}

describe('IndexEntries', () => {
  it('reads merged entries like a map and keeps every conflict stage', () => {
    const index = conflicted();
    expect([...index.keys()]).toEqual(['b.txt']);
    expect(index.size).toBe(1);
    expect(index.get('a.txt')).toBeUndefined();
    expect(index.has('a.txt')).toBe(false);
    expect(index.isUnmerged('a.txt')).toBe(true);
    expect(index.unmerged().map((u) => [u.path, u.stages.map((e) => `${e.stage}:${e.oid[0]}`)])).toEqual([
      ['a.txt', ['1:1', '2:2', '3:3']],
      ['d.txt', ['1:4', '2:5']],
    ]);
    expect([...index.paths()].sort()).toEqual(['a.txt', 'b.txt', 'd.txt']);
  });

  it('writes back exactly what it read: stages 1-3 survive a rewrite with another path changed', () => {
    const index = conflicted();
    const before = serializeGitIndex(index.all());
    index.set('b.txt', entry('b.txt', 0, OID('b')));
    const after = parseGitIndex(serializeGitIndex(index.all())).entries;
    expect(after.map((e) => `${e.path} ${e.stage} ${e.oid[0]}`)).toEqual(['a.txt 1 1', 'a.txt 2 2', 'a.txt 3 3', 'b.txt 0 b', 'd.txt 1 4', 'd.txt 2 5']);
    index.set('b.txt', entry('b.txt'));
    expect(Buffer.from(serializeGitIndex(index.all())).equals(Buffer.from(before))).toBe(true);
  });

  it('staging a conflicted path resolves it to stage 0; deleting removes every stage; a merge can record a conflict', () => {
    const index = conflicted();
    index.set('a.txt', entry('a.txt', 0, OID('r')));
    expect(index.isUnmerged('a.txt')).toBe(false);
    expect(index.get('a.txt')?.oid).toBe(OID('r'));
    expect(index.delete('d.txt')).toBe(true);
    expect(index.all().map((e) => `${e.path} ${e.stage}`).sort()).toEqual(['a.txt 0', 'b.txt 0']);
    index.setConflict('b.txt', [entry('b.txt', 3), entry('b.txt', 2)]);
    expect(index.has('b.txt')).toBe(false);
    expect(index.unmerged()).toEqual([{ path: 'b.txt', stages: [entry('b.txt', 2), entry('b.txt', 3)] }]);
    expect(() => index.set('x', entry('x', 2))).toThrow();
    expect(() => index.setConflict('x', [entry('x', 0)])).toThrow();
    expect(() => index.setConflict('x', [entry('x', 1), entry('x', 1)])).toThrow();
  });

  it("names conflicts as git status does from the stages present", () => {
    expect(
      [[1, 2, 3], [2, 3], [1, 2], [1, 3], [2], [3], [1]].map((s) => conflictKind(s)),
    ).toEqual(['both-modified', 'both-added', 'deleted-by-them', 'deleted-by-us', 'added-by-us', 'added-by-them', 'both-deleted']);
  });
});
