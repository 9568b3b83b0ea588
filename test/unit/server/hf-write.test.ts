/**
 * The pieces of the Hugging Face write API without a server: route matching on raw paths, the
 * upload-mode rule, payload parsing, upload grants, and the git plumbing with its compare-and-swap
 * (a commit built on a tip that moved is rebuilt, or refused with 409 when the client named a
 * parent), on real bare repositories with the real git.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AttributeMatcher, parseGitattributes } from '../../../src/formats/gitattributes.js';
import * as git from '../../../src/server/git-write.js';
import { applyCommit, CommitStaging, commitTarget, validBranchName } from '../../../src/server/hf-commit.js';
import { commitMessage, isBase64, parseHeader, parseJsonPayload, parseOperation, readNdjsonPayload } from '../../../src/server/hf-commit-payload.js';
import { stageLine, type StagedOperation } from '../../../src/server/hf-commit-stage.js';
import { matchHfWrite, uploadMode } from '../../../src/server/hf-write.js';
import { HttpError } from '../../../src/server/http-util.js';
import { SqliteMetadata } from '../../../src/server/metadata.js';
import { createUploadGrants } from '../../../src/server/upload-grant.js';
import { Store } from '../../../src/store/store.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof HttpError ? err.status : -1;
  }
  return undefined;
}

describe('matchHfWrite', () => {
  it('takes the revision from the raw path, encoded or not, as one revision', () => {
    expect(matchHfWrite('/api/models/acme/llama/commit/main')).toEqual({ op: 'commit', type: 'model', owner: 'acme', name: 'llama', rev: 'main' });
    expect(matchHfWrite('/api/datasets/acme/sq%75ad/preupload/refs%2Fheads%2Fdev')).toEqual({ op: 'preupload', type: 'dataset', owner: 'acme', name: 'squad', rev: 'refs/heads/dev' });
    expect(matchHfWrite('/api/models/acme/llama/commit/feature/x')?.rev).toBe('feature/x');
    for (const other of ['/api/models/acme/llama', '/api/models/acme/llama/tree/main', '/api/spaces/acme/app/commit/main', '/api/models/acme/llama/commit/', '/acme/llama/commit/main']) {
      expect(matchHfWrite(other), other).toBeUndefined();
    }
    expect(status(() => matchHfWrite('/api/models/acme/llama/commit/%zz'))).toBe(400);
  });
});

describe('uploadMode', () => {
  const attrs = new AttributeMatcher([{ base: '', rules: parseGitattributes('*.safetensors filter=lfs diff=lfs merge=lfs -text\n') }]);
  it.each([
    ['README.md', 10, 'hello', 'regular'],
    ['model.safetensors', 10, '{}', 'lfs'],
    ['big.jsonl', 10 << 20, '{}', 'lfs'],
    ['almost.jsonl', (10 << 20) - 1, '{}', 'regular'],
    ['image.png', 100, '\x89PNG\x00\x00', 'lfs'],
    ['empty.safetensors', 0, '', 'regular'],
    ['.gitattributes', 20 << 20, '\x00', 'regular'],
    ['sub/.gitattributes', 10, 'x', 'regular'],
  ] as const)('%s (%i bytes, sample %j) -> %s', (path, size, sample, mode) => {
    expect(uploadMode(path, size, Buffer.from(sample, 'latin1'), attrs)).toBe(mode);
  });
});

describe('commit payload', () => {
  it('parses the header and every operation key, and writes the message as summary, blank line, description', () => {
    expect(parseHeader({ summary: 'Add', description: 'why\n', parentCommit: 'abcdef0' })).toEqual({ summary: 'Add', description: 'why\n', parentCommit: 'abcdef0' });
    expect(commitMessage({ summary: ' Add ', description: '' })).toBe('Add\n');
    expect(commitMessage({ summary: 'Add', description: 'line 1\nline 2' })).toBe('Add\n\nline 1\nline 2\n');
    expect(parseOperation('file', { path: 'a.txt', content: 'aGk=', encoding: 'base64' }, 'l')).toEqual({ key: 'file', path: 'a.txt', content: Buffer.from('hi') });
    expect(parseOperation('file', { path: 'a.txt', content: 'hé' }, 'l')).toEqual({ key: 'file', path: 'a.txt', content: Buffer.from('hé') });
    expect(parseOperation('lfsFile', { path: 'w', algo: 'sha256', oid: 'a'.repeat(64) }, 'l')).toEqual({ key: 'lfsFile', path: 'w', oid: 'a'.repeat(64) });
    expect(parseOperation('deletedFolder', { path: 'dir/' }, 'l')).toEqual({ key: 'deletedFolder', path: 'dir' });
    expect(parseJsonPayload({ summary: 's', files: [{ path: 'a', content: 'x' }], lfsFiles: [], deletedFiles: [{ path: 'b' }] }).operations.map((o) => o.key)).toEqual(['file', 'deletedFile']);
  });

  it('refuses what it cannot apply with 400', () => {
    const cases: Array<[string, () => unknown]> = [
      ['no summary', () => parseHeader({ description: 'x' })],
      ['short parent', () => parseHeader({ summary: 's', parentCommit: 'abc' })],
      ['NUL message', () => parseHeader({ summary: 'a\0b' })],
      ['oldPath', () => parseOperation('file', { path: 'a', oldPath: 'b', content: '' }, 'l')],
      ['encoding', () => parseOperation('file', { path: 'a', content: '', encoding: 'latin1' }, 'l')],
      ['algo', () => parseOperation('lfsFile', { path: 'a', algo: 'sha1', oid: 'a'.repeat(64) }, 'l')],
      ['size', () => parseOperation('lfsFile', { path: 'a', oid: 'a'.repeat(64), size: -1 }, 'l')],
      ['key', () => parseOperation('copyFile', { path: 'a' }, 'l')],
      ['trailing slash', () => parseOperation('file', { path: 'a/', content: '' }, 'l')],
      ['backslash dot-dot', () => parseOperation('deletedFile', { path: 'a/../b' }, 'l')],
      ['control', () => parseOperation('deletedFile', { path: 'a\nb' }, 'l')],
      ['long', () => parseOperation('deletedFile', { path: 'a'.repeat(5000) }, 'l')],
    ];
    for (const [what, fn] of cases) expect(status(fn), what).toBe(400);
  });

  it('reads NDJSON in any chunking, CRLF and a final line without newline', async () => {
    const text = '{"key":"header","value":{"summary":"s"}}\r\n{"key":"file","value":{"path":"a","content":"aGk=","encoding":"base64"}}\n\n{"key":"deletedFile","value":{"path":"b"}}';
    for (const size of [1, 7, 1000]) {
      const chunks = [];
      for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size)));
      const dir = tmpDir('hub-ndjson-');
      const ops: StagedOperation[] = [];
      const header = await readNdjsonPayload(Readable.from(chunks) as unknown as IncomingMessage, (line, n, first) => stageLine(line, n, first, join(dir, `f-${n}`)), (op) => void ops.push(op));
      expect(header.summary).toBe('s');
      expect(ops.map((o) => `${o.key}:${o.path}`)).toEqual(['file:a', 'deletedFile:b']);
      expect(readFileSync(join(dir, 'f-2'), 'utf8')).toBe('hi');
    }
  });

  it('refuses the paths git fsck refuses in trees, and backslashes (issue 11)', () => {
    for (const path of ['.git\u200c/config', '.GIT/x', 'GIT~1/config', '.git./config', '.git ./x', 'a/.git::$INDEX_ALLOCATION/x', '..\\..\\evil.txt', 'a\\..\\b', 'git~1']) {
      expect(status(() => parseOperation('file', { path, content: '' }, 'l')), path).toBe(400);
    }
    for (const path of ['.github/x', '.gitignore', 'git~2', 'a.git/b', '.gitx', 'GIT~1x']) {
      expect(status(() => parseOperation('file', { path, content: '' }, 'l')), path).toBeUndefined();
    }
  });

  it('checks base64 in one pass (the regular expression it replaced took seconds here)', () => {
    const started = performance.now();
    expect(isBase64(`A${' '.repeat(60_000)}!`)).toBe(false);
    expect(isBase64(`${'A'.repeat(100_000)}${' '.repeat(100_000)}=`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
    for (const ok of ['', 'aGk=', 'aGk=\n', 'a G k =', 'QUJD', 'QQ==', 'QQ== \n']) expect(isBase64(ok), ok).toBe(true);
    for (const bad of ['a=b', 'QQ===', '!', 'aGk=x', '-_']) expect(isBase64(bad), bad).toBe(false);
  });
});

describe('upload grants', () => {
  it('allow one object to one repository until they expire', () => {
    let now = 1_000_000_000_000;
    const grants = createUploadGrants({ ttlSeconds: 60, now: () => now });
    const q = new URLSearchParams(grants.sign(7, 'a'.repeat(64)));
    expect(grants.verify(7, 'a'.repeat(64), q)).toBe(true);
    expect(grants.verify(8, 'a'.repeat(64), q)).toBe(false);
    expect(grants.verify(7, 'b'.repeat(64), q)).toBe(false);
    expect(createUploadGrants().verify(7, 'a'.repeat(64), q)).toBe(false); // another server's secret
    expect(grants.verify(7, 'a'.repeat(64), new URLSearchParams('grant=1.2'))).toBe(false);
    now += 61_000;
    expect(grants.verify(7, 'a'.repeat(64), q)).toBe(false);
  });
});

describe('commits on a bare repository', () => {
  async function setup() {
    const root = tmpDir();
    const dir = join(root, 'r.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir]);
    const meta = SqliteMetadata.open(join(root, 'meta.sqlite'));
    await meta.ensureUser('ann');
    const repo = await meta.createRepo({ type: 'model', owner: 'ann', name: 'r', private: false });
    const store = await Store.open(join(root, 'store'), {});
    const user = (await meta.getUser('ann'))!;
    const commitFiles = async (files: Record<string, string>, summary: string, parentCommit?: string) => {
      const staging = new CommitStaging(join(root, `s-${summary}`));
      for (const [path, text] of Object.entries(files)) await staging.add({ key: 'file', path, content: Buffer.from(text) });
      try {
        return await applyCommit({ dir, repo, meta, store }, await commitTarget(dir, 'main'), { summary, description: '', parentCommit }, staging, user);
      } finally {
        staging.dispose();
      }
    };
    return { root, dir, meta, repo, store, user, commitFiles, close: () => (store.close(), void meta.close()) };
  }

  it('accepts the first commit only on the branch HEAD names; tags and ids are not branches', async () => {
    const t = await setup();
    expect(await commitTarget(t.dir, 'main')).toEqual({ branch: 'main' });
    await expect(commitTarget(t.dir, 'dev')).rejects.toMatchObject({ status: 404, code: 'RevisionNotFound' });
    const first = await t.commitFiles({ 'a.txt': 'a' }, 'first');
    expect(await commitTarget(t.dir, 'refs/heads/main')).toEqual({ branch: 'main', tip: first });
    execFileSync('git', ['--git-dir', t.dir, 'tag', 'v1', first]);
    await expect(commitTarget(t.dir, 'v1')).rejects.toMatchObject({ status: 400 });
    await expect(commitTarget(t.dir, first.slice(0, 10))).rejects.toMatchObject({ status: 400 });
    expect(validBranchName('feature/x')).toBe(true);
    for (const bad of ['-x', 'a..b', 'a.lock', 'a b', 'a:b', 'x/', '@', 'a@{1}']) expect(validBranchName(bad), bad).toBe(false);
    t.close();
  });

  it('update-ref compare-and-swap: of two commits on one tip, only the first moves the branch', async () => {
    const t = await setup();
    const base = await t.commitFiles({ 'a.txt': 'a' }, 'base');
    const tree = await git.treeOf(t.dir, base);
    const who = { name: 'x', email: 'x@y', time: 1_700_000_000 };
    const one = await git.commitTree(t.dir, tree, base, 'one\n', who);
    const two = await git.commitTree(t.dir, tree, base, 'two\n', who);
    expect(await git.updateBranch(t.dir, 'main', one, base, 'test')).toBe(true);
    expect(await git.updateBranch(t.dir, 'main', two, base, 'test')).toBe(false);
    expect(await git.branchTip(t.dir, 'main')).toBe(one);
    expect(await git.updateBranch(t.dir, 'new', two, undefined, 'test')).toBe(true);
    expect(await git.updateBranch(t.dir, 'new', one, undefined, 'test')).toBe(false);
    t.close();
  });

  it('a commit whose target tip moved (a push raced it) is rebuilt on the new tip; with parentCommit it is 409', async () => {
    const t = await setup();
    const base = await t.commitFiles({ 'a.txt': 'a' }, 'base');
    const staleTarget = await commitTarget(t.dir, 'main');
    const moved = await t.commitFiles({ 'b.txt': 'b' }, 'moved'); // lands between target and update
    const staging = new CommitStaging(join(t.root, 'late'));
    await staging.add({ key: 'file', path: 'c.txt', content: Buffer.from('c') });
    const late = await applyCommit({ dir: t.dir, repo: t.repo, meta: t.meta, store: t.store }, staleTarget, { summary: 'late', description: '' }, staging, t.user);
    expect(execFileSync('git', ['--git-dir', t.dir, 'rev-parse', `${late}^`], { encoding: 'utf8' }).trim()).toBe(moved);
    expect(Object.keys(Object.fromEntries(await git.listTree(t.dir, late)))).toEqual(['a.txt', 'b.txt', 'c.txt']);
    await expect(applyCommit({ dir: t.dir, repo: t.repo, meta: t.meta, store: t.store }, { branch: 'main', tip: late }, { summary: 'x', description: '', parentCommit: base }, staging, t.user)).rejects.toMatchObject({ status: 409 });
    staging.dispose();
    t.close();
  });

  it('a replaced executable stays executable; new files are 100644', async () => {
    const t = await setup();
    const blob = await git.writeBlob(t.dir, '#!/bin/sh\n');
    const tree = await git.writeTree(t.dir, new Map([['run.sh', { mode: '100755', oid: blob }]]), join(t.root, 'idx'));
    const first = await git.commitTree(t.dir, tree, undefined, 'exec\n', { name: 'x', email: 'x@y', time: 1_700_000_000 });
    expect(await git.updateBranch(t.dir, 'main', first, undefined, 'test')).toBe(true);
    const next = await git.listTree(t.dir, await t.commitFiles({ 'run.sh': '#!/bin/sh\necho\n', 'new.sh': 'x' }, 'edit'));
    expect([next.get('run.sh')?.mode, next.get('new.sh')?.mode]).toEqual(['100755', '100644']);
    t.close();
  });

  it('listTree reads paths with spaces, tabs and non-ASCII; git itself refuses .git paths in a tree', async () => {
    const t = await setup();
    const c = await t.commitFiles({ 'a b.txt': '1', 'tab\there': '2', 'ünï/cødé.txt': '3' }, 'names');
    expect([...(await git.listTree(t.dir, c)).keys()].sort()).toEqual(['a b.txt', 'tab\there', 'ünï/cødé.txt']);
    const blob = await git.writeBlob(t.dir, 'x');
    await expect(git.writeTree(t.dir, new Map([['.git/config', { mode: '100644', oid: blob }]]), join(t.root, 'idx'))).rejects.toThrow(/update-index/);
    t.close();
  });
});
