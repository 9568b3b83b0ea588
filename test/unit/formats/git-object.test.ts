import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/errors.js';
import { decodeTree, encodeTree, treeNameProblem, unframeObject } from '../../../src/formats/git-object.js';
import { git } from '../../helpers/git-repo.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

/** The inflated loose object `oid` of the repository at `dir`, as git wrote it. */
function looseObject(dir: string, oid: string): Buffer {
  return inflateSync(readFileSync(join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2))));
}

describe('unframeObject and decodeTree', () => {
  it('read the trees git writes as git ls-tree does', () => {
    const dir = tmpDir();
    git(dir, 'init', '-q', '-b', 'main');
    mkdirSync(join(dir, 'sub dir'));
    writeFileSync(join(dir, 'sub dir', 'a.txt'), 'a\n');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'run.sh'), 0o755);
    writeFileSync(join(dir, 'ünï.txt'), 'u\n');
    writeFileSync(join(dir, 'a.txt'), 'top\n');
    symlinkSync('a.txt', join(dir, 'link'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'tree');
    const tree = git(dir, 'rev-parse', 'HEAD^{tree}').trim();
    const { type, payload } = unframeObject(looseObject(dir, tree));
    expect(type).toBe('tree');
    const fromGit = git(dir, '-c', 'core.quotePath=false', 'ls-tree', tree).trim().split('\n');
    const decoded = decodeTree(payload);
    expect(decoded.map((e) => `${e.mode.toString(8).padStart(6, '0')} ${e.mode === 0o40000 ? 'tree' : 'blob'} ${e.oid}\t${e.name}`)).toEqual(fromGit);
    expect(encodeTree(decoded).equals(Buffer.from(payload))).toBe(true);
  });

  it('refuse damaged objects and trees', () => {
    const fe = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(FormatError);
        return (err as FormatError).code;
      }
      throw new Error('did not throw');
    };
    expect(fe(() => unframeObject(Buffer.from('blob 4\0abc')))).toBe('bad_object');
    expect(fe(() => unframeObject(Buffer.from('blub 3\0abc')))).toBe('bad_object');
    expect(fe(() => unframeObject(Buffer.from('blob 03\0abc')))).toBe('bad_object');
    expect(unframeObject(Buffer.from('blob 3\0abc')).payload.toString()).toBe('abc');
    const entry = Buffer.concat([Buffer.from('100644 a.txt\0'), Buffer.alloc(20, 1)]);
    expect(decodeTree(entry)).toEqual([{ mode: 0o100644, name: 'a.txt', oid: '01'.repeat(20) }]);
    expect(fe(() => decodeTree(entry.subarray(0, entry.length - 1)))).toBe('bad_tree');
    expect(fe(() => decodeTree(Buffer.concat([Buffer.from('100664 a.txt\0'), Buffer.alloc(20, 1)])))).toBe('bad_tree');
  });

  it('treeNameProblem refuses what git and isomorphic-git refuse, and nothing else', () => {
    for (const bad of ['..', '.', '.git', '.GIT', '.git.', '.git ', 'git~1', '.git::$INDEX_ALLOCATION', '.g\u200Cit', 'a/b', 'a\\b']) {
      expect(treeNameProblem(bad), bad).toBeDefined();
    }
    for (const ok of ['.gitattributes', '.github', 'git', '...', 'a b', 'model.safetensors', 'git~0']) expect(treeNameProblem(ok), ok).toBeUndefined();
  });
});
