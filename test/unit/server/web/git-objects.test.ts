/**
 * The long-running object readers of the web pages (src/server/web/git-objects.ts) against git
 * itself: every answer is what a one-shot `git cat-file` says (type, size, bytes), in order, for
 * many requests in flight at once, with missing and ambiguous names in between; objects a push
 * adds after a reader started (loose, then packed) are found; a blob over the small-blob limit is
 * read only as far as asked; a stopped reader fails its requests.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitObjects, SMALL_BLOB_BYTES } from '../../../../src/server/web/git-objects.js';
import { git } from '../../../helpers/git-repo.js';
import { tmpDir } from '../../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../../helpers/vectors.js';

const catFile = (dir: string, ...args: string[]) => execFileSync('git', ['--git-dir', join(dir, '.git'), 'cat-file', ...args]);

/** A repository with text, binary (newlines and NULs included) and empty files in two commits. */
function repo(): { dir: string; commits: string[] } {
  const dir = tmpDir();
  git(dir, 'init', '-q', '-b', 'main');
  const commits: string[] = [];
  for (let c = 0; c < 2; c++) {
    writeFileSync(join(dir, 'a.txt'), `alpha ${c}\n`);
    writeFileSync(join(dir, 'bin.dat'), Buffer.concat([Buffer.from('\n\n\0x 0 blob 5\n'), mulberry32Bytes(40 + c, 5000 + c)]));
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(join(dir, 'with space.txt'), 'spaced\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `commit ${c}`);
    commits.push(git(dir, 'rev-parse', 'HEAD').trim());
  }
  return { dir, commits };
}

describe('GitObjects', () => {
  let objects: GitObjects;
  afterEach(() => objects?.close());

  it('answers what git cat-file answers, in order, with many requests in flight', async () => {
    const { dir, commits } = repo();
    objects = new GitObjects();
    const r = objects.of(join(dir, '.git'));
    const names = commits.flatMap((c) => [c, `${c}:`, `${c}:a.txt`, `${c}:bin.dat`, `${c}:empty`, `${c}:with space.txt`, `${c}:nope`, `${c}^{tree}`]);
    names.push('0000000000000000000000000000000000000000', 'refs/heads/main^{commit}', 'main', 'no-such-ref');
    const [infos, contents] = await Promise.all([Promise.all(names.map((n) => r.info([n, n]))), Promise.all(names.map((n) => r.contents([n])))]);
    names.forEach((name, i) => {
      const [oid, type, size] = execFileSync('git', ['--git-dir', join(dir, '.git'), 'cat-file', '--batch-check'], { input: `${name}\n` }).toString().trim().split(' ');
      const expected = type === 'missing' ? undefined : { oid, type, size: Number(size) };
      expect(infos[i], name).toEqual([expected, expected]);
      if (!expected) expect(contents[i][0], name).toBeUndefined();
      else expect(contents[i][0], name).toEqual({ ...expected, content: catFile(dir, expected.type, expected.oid) });
    });
    expect(infos.filter((x) => x[0] === undefined).length).toBeGreaterThanOrEqual(3); // the missing ones were asked, and answered as missing
  });

  it('finds objects added after it started, loose and then packed', async () => {
    const { dir } = repo();
    objects = new GitObjects();
    const r = objects.of(join(dir, '.git'));
    const later = 'added after the readers started\n';
    const oid = execFileSync('git', ['hash-object', '--stdin'], { input: later }).toString().trim();
    expect(await r.info([oid])).toEqual([undefined]);
    expect(await r.contents([oid])).toEqual([undefined]);
    execFileSync('git', ['--git-dir', join(dir, '.git'), 'hash-object', '-w', '--stdin'], { input: later });
    expect((await r.contents([oid]))[0]?.content.toString()).toBe(later);
    const packed = 'packed later\n';
    const oid2 = execFileSync('git', ['--git-dir', join(dir, '.git'), 'hash-object', '-w', '--stdin'], { input: packed }).toString().trim();
    git(dir, 'repack', '-a', '-d', '-q');
    git(dir, 'prune-packed');
    expect((await r.info([oid2]))[0]).toEqual({ oid: oid2, type: 'blob', size: packed.length });
    expect((await r.contents([oid2]))[0]?.content.toString()).toBe(packed);
  });

  it('reads the head of a blob over the small-blob limit without reading it whole, and a smaller one whole', async () => {
    const dir = tmpDir();
    git(dir, 'init', '-q', '-b', 'main');
    const big = mulberry32Bytes(7, SMALL_BLOB_BYTES + 12345);
    const near = mulberry32Bytes(8, SMALL_BLOB_BYTES - 3); // read whole through the reader: its output arrives in many pieces
    writeFileSync(join(dir, 'big.bin'), big);
    writeFileSync(join(dir, 'near.bin'), near);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'big');
    const oid = git(dir, 'rev-parse', 'HEAD:big.bin').trim();
    objects = new GitObjects();
    const r = objects.of(join(dir, '.git'));
    expect(Buffer.compare(await r.blobHead(oid, 1000), Buffer.from(big.subarray(0, 1000)))).toBe(0);
    expect((await r.blobHead(oid, 1 << 30)).length).toBe(big.length);
    const nearOid = git(dir, 'rev-parse', 'HEAD:near.bin').trim();
    const [a, b] = await Promise.all([r.contents([nearOid, nearOid]), r.blobHead(nearOid, 100)]);
    expect(a.map((x) => Buffer.compare(x!.content, Buffer.from(near)))).toEqual([0, 0]);
    expect(Buffer.compare(b, Buffer.from(near.subarray(0, 100)))).toBe(0);
    const small = git(dir, 'rev-parse', 'HEAD').trim();
    await expect(r.blobHead(small, 10)).rejects.toThrow(/missing/); // a commit is not a blob
  });

  it('refuses a name of more than one line, and fails requests once stopped', async () => {
    const { dir, commits } = repo();
    objects = new GitObjects();
    const r = objects.of(join(dir, '.git'));
    expect((await r.info([commits[0]]))[0]?.type).toBe('commit');
    await expect(r.contents([`${commits[0]}:a\nb`])).rejects.toThrow(/not an object name/); // a name is one line
    objects.close();
    await expect(r.info([commits[0]])).rejects.toThrow(/stopping/);
  });
});
