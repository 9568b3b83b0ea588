/**
 * Issue 11, point 3: the integrity rules git and git-lfs apply hold on `hub serve`.
 *
 * - A push is accepted only if every blob git-lfs would read as a pointer (any size; CRLF, no
 *   final newline, blank lines and padding included) is a pointer hub reads alike, naming an
 *   object the repository holds at that size. Each refused shape is checked with real git-lfs to
 *   be one it would smudge (`git lfs pointer --check`), so a clone would fail; the accepted
 *   pointer is cloned with git-lfs and smudged to the right bytes.
 * - Trees written through the HF commit API pass the checks `receive.fsckObjects` applies to a
 *   push: each name of issue 11 is refused with a 4xx and a one-line error, never a 500.
 * - `info/refs` with two `service` parameters is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointerFor } from '../../src/formats/lfs-pointer.js';
import { authUrl, gitClient, type GitClient } from '../helpers/git-client.js';
import { http } from '../helpers/http-answer.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const LFS = 'application/vnd.git-lfs+json';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('git and git-lfs integrity rules on hub serve (issue 11, point 3)', () => {
  let server: TestServer;
  let alice: string;
  let git: GitClient;
  let work: string;
  let clone: string;
  const held = randomBytes(3000);
  const heldOid = sha256(held);
  const missingOid = sha256(Buffer.from('never uploaded'));
  const bearer = () => ({ authorization: `Bearer ${alice}` });

  beforeAll(async () => {
    server = await startHubServe();
    alice = (await runHubJson(['token', 'create', '--root', server.root, '--user', 'alice', '--write'])).token;
    await runHubJson(['repo', 'create', 'alice/m', '--endpoint', server.url, '--token', alice]);
    // the held object, uploaded the way git-lfs does
    const b = await http(`${server.url}/alice/m.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...bearer(), accept: LFS, 'content-type': LFS }, body: JSON.stringify({ operation: 'upload', transfers: ['basic'], objects: [{ oid: heldOid, size: held.length }] }) });
    const up = b.json.objects[0].actions.upload;
    expect((await http(up.href, { method: 'PUT', headers: up.header, body: held })).status).toBe(200);
    git = gitClient();
    work = tmpDir();
    clone = join(work, 'c');
    git.run(work, 'clone', '-q', authUrl(server.host, '/alice/m', alice), clone);
    writeFileSync(join(clone, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    git.run(clone, 'add', '.gitattributes');
    git.run(clone, 'commit', '-q', '-m', 'attributes');
    git.run(clone, 'push', '-q', 'origin', 'main');
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Commits `content` as w.bin byte for byte (no clean filter) and pushes it without git-lfs's pre-push hook. */
  function pushBlob(content: Buffer): { status: number; stderr: string } {
    const id = git.run(clone, 'hash-object', '-w', '--no-filters', join(clone, writeTemp(content))).trim();
    git.run(clone, 'update-index', '--add', '--cacheinfo', `100644,${id},w.bin`);
    git.run(clone, 'commit', '-q', '-m', 'w.bin');
    const r = git.tryRun(clone, 'push', '--no-verify', 'origin', 'main');
    if (r.status !== 0) git.run(clone, 'reset', '-q', '--hard', 'origin/main');
    return r;
  }
  let temps = 0;
  function writeTemp(content: Buffer): string {
    const name = `.tmp-${temps++}`;
    writeFileSync(join(clone, name), content);
    return name;
  }
  /** Whether real git-lfs reads `content` as a pointer (its smudge filter would then fetch the object). */
  function gitLfsReadsPointer(content: Buffer): boolean {
    const file = join(tmpDir(), 'blob');
    writeFileSync(file, content);
    return git.tryRun(work, 'lfs', 'pointer', '--check', `--file=${file}`).status === 0;
  }

  const canonical = (oid: string, size: number) => Buffer.from(pointerFor(oid, size));
  const SHAPES: Array<[string, Buffer, RegExp]> = [
    ['CRLF line ends', Buffer.from(pointerFor(missingOid, 10).replaceAll('\n', '\r\n')), /git-lfs reads it as a pointer .* but it is malformed/],
    ['no final newline', Buffer.from(pointerFor(missingOid, 10).slice(0, -1)), /git-lfs reads it as a pointer .* but it is malformed/],
    ['a leading blank line', Buffer.from(`\n${pointerFor(missingOid, 10)}`), /git-lfs reads it as a pointer .* but it is malformed/],
    ['1,024 bytes and more', Buffer.concat([canonical(missingOid, 10), Buffer.alloc(1100, 0x20)]), /git-lfs reads it as a pointer .* but it is malformed/],
    ['CRLF, naming a held object', Buffer.from(pointerFor(heldOid, held.length).replaceAll('\n', '\r\n')), /git-lfs reads it as a pointer .* but it is malformed/],
    ['the wrong size of a held object', canonical(heldOid, held.length + 1), new RegExp(`${heldOid} \\(w\\.bin\\): the server holds ${held.length} bytes, the pointer says ${held.length + 1}`)],
    ['a missing object', canonical(missingOid, 10), new RegExp(`${missingOid} \\(w\\.bin\\): not on the server`)],
  ];

  for (const [what, content, message] of SHAPES) {
    it(`refuses a push of a pointer with ${what}, which git-lfs would smudge`, () => {
      expect(gitLfsReadsPointer(content), 'git-lfs reads it as a pointer').toBe(true);
      const before = git.run(clone, 'ls-remote', 'origin', 'refs/heads/main');
      const r = pushBlob(content);
      expect(r.status, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(/remote: hub: push refused: 1 Git LFS pointer\(s\) cannot be served:/);
      expect(r.stderr).toMatch(message);
      expect(git.run(clone, 'ls-remote', 'origin', 'refs/heads/main')).toBe(before);
    });
  }

  it('accepts a canonical pointer to a held object at its size, and a git-lfs clone smudges it', () => {
    const r = pushBlob(canonical(heldOid, held.length));
    expect(r.status, r.stderr).toBe(0);
    const c2 = join(work, 'c2');
    git.run(work, 'clone', '-q', authUrl(server.host, '/alice/m', alice), c2);
    expect(readFileSync(join(c2, 'w.bin')).equals(held)).toBe(true);
  });

  it('accepts an ordinary file that mentions git-lfs', () => {
    const r = pushBlob(Buffer.from('see https://git-lfs.github.com/spec/v1 for the format\n'));
    expect(r.status, r.stderr).toBe(0);
  });

  const ndjson = (ops: unknown[]) => [{ key: 'header', value: { summary: 'attempt' } }, ...ops].map((o) => JSON.stringify(o)).join('\n');
  async function commit(ops: unknown[]) {
    // git runs synchronously here and blocks this process: let it see the keep-alive connections the server closed meanwhile
    await new Promise((r) => setTimeout(r, 20));
    return http(`${server.url}/api/models/alice/m/commit/main`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/x-ndjson' }, body: ndjson(ops) });
  }
  const file = (path: string, text: string) => ({ key: 'file', value: { path, content: Buffer.from(text).toString('base64'), encoding: 'base64' } });

  it('refuses, through the HF commit API, what receive.fsckObjects refuses in a push: a .gitmodules URL that is an option', async () => {
    const tip = git.run(clone, 'ls-remote', 'origin', 'refs/heads/main');
    const a = await commit([file('.gitmodules', '[submodule "x"]\n\tpath = x\n\turl = -u./payload\n')]);
    expect(a.status, a.text).toBe(422);
    expect(a.json.error).toMatch(/^the commit would not pass git fsck: gitmodulesUrl: disallowed submodule url: -u\.\/payload$/);
    expect(git.run(clone, 'ls-remote', 'origin', 'refs/heads/main')).toBe(tip);
  });

  for (const path of ['.git\u200c/config', '..\\..\\evil.txt', 'a\\..\\b', 'GIT~1/config', '.git./config', '.GIT/config', 'x/.git ./hooks/pre-commit']) {
    it(`refuses the path ${JSON.stringify(path)} in an HF commit with a 400 and one line, never a 500`, async () => {
      const a = await commit([file(path, 'x')]);
      expect(a.status, a.text).toBe(400);
      expect(a.json.error).toMatch(/^invalid line 2: path ".*": .*(not allowed|separator).*$/);
      expect(a.json.error).not.toContain('\n');
    });
  }

  it('refuses, through the HF commit API, a file git-lfs would read as a pointer but hub would not', async () => {
    const a = await commit([file('w.bin', pointerFor(heldOid, held.length).replaceAll('\n', '\r\n'))]);
    expect(a.status, a.text).toBe(422);
    expect(a.json.error).toMatch(/w\.bin \(git-lfs reads it as a pointer to sha256:[0-9a-f]{64}, but it is malformed/);
  });

  it('refuses info/refs with more than one service (http-backend reads the last one, the access check read the first)', async () => {
    const read = (await runHubJson(['token', 'create', '--root', server.root, '--user', 'reader'])).token;
    await new Promise((r) => setTimeout(r, 20));
    for (const headers of [{}, { authorization: `Bearer ${read}` }]) {
      const a = await http(`${server.url}/alice/m.git/info/refs?service=git-upload-pack&service=git-receive-pack`, { headers });
      expect(a.status, a.text).toBe(400);
      expect(a.json.error).toBe('more than one service parameter');
    }
    // one service still works
    expect((await http(`${server.url}/alice/m.git/info/refs?service=git-upload-pack`)).status).toBe(200);
  });

  it('a repository whose hook an earlier version wrote gets the current one on its next push, and that push is checked by it', () => {
    const hook = join(server.root, 'repos', 'alice', 'm.git', 'hooks', 'pre-receive');
    writeFileSync(hook, "#!/bin/sh\necho 'the old hook' >&2\nexit 1\n", { mode: 0o700 });
    const r = pushBlob(Buffer.from(pointerFor(heldOid, held.length)));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('the old hook');
    expect(readFileSync(hook, 'utf8')).toContain('HUB_HOOK_FD');
    const refused = pushBlob(Buffer.from(pointerFor(missingOid, 10)));
    expect(refused.stderr).toMatch(new RegExp(`${missingOid} \\(w\\.bin\\): not on the server`));
  });
});
