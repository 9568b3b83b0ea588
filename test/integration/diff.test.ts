import { chmodSync, copyFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { ID } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { checkNamedSchema } from '../helpers/schema-check.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** `hub diff --json` output, checked against docs/schemas/diff.schema.json. */
async function diffJson(args: string[], cwd: string, env: Record<string, string>) {
  const r = await runHub(['diff', '--json', ...args], { cwd, env });
  const doc = JSON.parse(r.stdout);
  expect(checkNamedSchema('diff', doc)).toEqual([]);
  return { code: r.code, stderr: r.stderr, doc };
}

describe('hub diff: files, text, large-file chunks', () => {
  let dir: string;
  let env: Record<string, string>;
  let c1: string;
  let c2: string;

  /** rev1: text, a script, a binary, a 16 MiB model; rev2 (committed): model 10% changed, text edited, script made executable, binary renamed, a file deleted. */
  beforeAll(async () => {
    dir = tmpDir();
    env = { ...ID, HUB_HOME: tmpDir() };
    await runHubJson(['init'], { cwd: dir, env });
    await runHubJson(['track', '*.safetensors'], { cwd: dir, env });
    writeFileSync(join(dir, 'notes.txt'), 'one\ntwo\nthree\n');
    writeFileSync(join(dir, 'run.sh'), 'echo hi\n');
    writeFileSync(join(dir, 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
    writeFileSync(join(dir, 'gone.txt'), 'bye\n');
    makeModel(join(dir, 'model.safetensors'), '16MiB', 61);
    await runHubJson(['add', '-A'], { cwd: dir, env });
    c1 = (await runHubJson(['commit', '-m', 'rev1'], { cwd: dir, env })).commit;
    mutateModel(join(dir, 'model.safetensors'), join(dir, 'next'), 0.1, 62);
    renameSync(join(dir, 'next'), join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'notes.txt'), 'one\n2\nthree\nfour\n');
    chmodSync(join(dir, 'run.sh'), 0o755);
    await runHubJson(['mv', 'blob.bin', 'data.bin'], { cwd: dir, env });
    await runHubJson(['rm', 'gone.txt'], { cwd: dir, env });
    await runHubJson(['add', '-A'], { cwd: dir, env });
    c2 = (await runHubJson(['commit', '-m', 'rev2'], { cwd: dir, env })).commit;
  });

  it('REV_A REV_B: every kind of file-level change, a unified diff for text, new versus shared chunk bytes for the model', async () => {
    const { code, doc } = await diffJson([c1, c2, '--stat'], dir, env);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ version: 1, a: { label: c1, commit: c1 }, b: { label: c2, commit: c2 }, identical: false, bytesFetched: 0 });
    const byPath = Object.fromEntries(doc.files.map((f: { path: string }) => [f.path, f]));
    expect(Object.keys(byPath).sort()).toEqual(['data.bin', 'gone.txt', 'model.safetensors', 'notes.txt', 'run.sh']);
    expect(byPath['data.bin']).toMatchObject({ status: 'renamed', oldPath: 'blob.bin', kind: 'none', size: { a: 6, b: 6 } });
    expect(byPath['gone.txt']).toMatchObject({ status: 'deleted', size: { a: 4, b: null }, mode: { a: '100644', b: null } });
    expect(byPath['run.sh']).toMatchObject({ status: 'modified', mode: { a: '100644', b: '100755' }, kind: 'none' });
    const model = byPath['model.safetensors'];
    expect(model).toMatchObject({ status: 'modified', large: true, kind: 'none' });
    expect(model.oid.a).toMatch(/^[0-9a-f]{64}$/);
    // rev2 rewrote 10% of the tensors: about that much is new chunks, the rest shared (no content read)
    expect(model.chunks.newBytes + model.chunks.sharedBytes).toBe(model.size.b);
    expect(model.chunks.newBytes).toBeGreaterThan(0.05 * model.size.b);
    expect(model.chunks.newBytes).toBeLessThan(0.2 * model.size.b);
    expect(doc.summary).toEqual({ files: 5, added: 0, deleted: 1, modified: 3, renamed: 1, errors: 0 });

    const full = await diffJson([c1, c2, '--', 'notes.txt'], dir, env);
    expect(full.doc.files).toHaveLength(1);
    expect(full.doc.files[0]).toMatchObject({ kind: 'text', text: { added: 2, removed: 1 } });
    expect(full.doc.files[0].text.patch).toBe('--- a/notes.txt\n+++ b/notes.txt\n@@ -1,3 +1,4 @@\n one\n-two\n+2\n three\n+four\n');
  });

  it('default is HEAD against the working tree; one revision is REV against the working tree; --exit-code', async () => {
    const clean = await runHub(['diff', '--exit-code'], { cwd: dir, env });
    expect(clean).toMatchObject({ code: 0, stdout: '' });
    writeFileSync(join(dir, 'notes.txt'), 'changed\n');
    copyFileSync(join(dir, 'run.sh'), join(dir, 'untracked.sh')); // untracked files are not part of a diff (as git)
    const dirty = await diffJson(['--exit-code'], dir, env);
    expect(dirty.code).toBe(1);
    expect(dirty.doc).toMatchObject({ a: { label: 'HEAD', commit: c2 }, b: { label: 'working tree', commit: null } });
    expect(dirty.doc.files.map((f: { path: string }) => f.path)).toEqual(['notes.txt']);
    const human = await runHub(['diff'], { cwd: dir, env });
    expect(human.stdout).toContain('-one\n-2\n-three\n-four\n+changed\n');
    const sinceRev1 = await diffJson([c1, '--stat'], dir, env);
    expect(sinceRev1.doc.files.map((f: { path: string }) => f.path)).toEqual(['data.bin', 'gone.txt', 'model.safetensors', 'notes.txt', 'run.sh']);
    rmSync(join(dir, 'notes.txt'));
    const deleted = await diffJson([], dir, env);
    expect(deleted.doc.files[0]).toMatchObject({ path: 'notes.txt', status: 'deleted', kind: 'text', text: { added: 0, removed: 4 } });
    await runHub(['restore', 'notes.txt'], { cwd: dir, env });
    rmSync(join(dir, 'untracked.sh'));
  });

  it('before the first commit, HEAD is the empty tree: staged files show as added', async () => {
    const fresh = tmpDir();
    const e = { ...ID, HUB_HOME: tmpDir() };
    await runHubJson(['init'], { cwd: fresh, env: e });
    writeFileSync(join(fresh, 'a.txt'), 'hi\n');
    expect((await diffJson([], fresh, e)).doc).toMatchObject({ identical: true, a: { label: 'HEAD', commit: null } });
    await runHubJson(['add', '-A'], { cwd: fresh, env: e });
    const d = await diffJson([], fresh, e);
    expect(d.doc.files).toEqual([expect.objectContaining({ path: 'a.txt', status: 'added', kind: 'text', text: expect.objectContaining({ added: 1 }) })]);
  });

  it('--no-index compares two files; identical files are no change; bad arguments fail with the right exit code', async () => {
    const a = join(tmpDir(), 'a.txt');
    const b = join(tmpDir(), 'b.txt');
    writeFileSync(a, 'x\ny\n');
    writeFileSync(b, 'x\nz\n');
    const d = await diffJson(['--no-index', a, b, '--exit-code'], dir, env);
    expect(d.code).toBe(1);
    expect(d.doc.files[0]).toMatchObject({ path: b, status: 'modified', kind: 'text', text: { added: 1, removed: 1 } });
    const same = await diffJson(['--no-index', a, a, '--exit-code'], dir, env);
    expect(same).toMatchObject({ code: 0, doc: { identical: true, files: [] } });
    expect((await runHub(['diff', '--no-index', a, join(dir, 'nope.txt')], { cwd: dir, env })).code).toBe(3);
    expect((await runHub(['diff', '--no-index', a], { cwd: dir, env })).code).toBe(2);
    expect((await runHub(['diff', c1, c2, c1], { cwd: dir, env })).code).toBe(2);
    const unknown = await runHub(['diff', 'no-such-rev'], { cwd: dir, env });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});

describe('hub diff in a clone that has no content (hub clone --no-checkout)', () => {
  it('fetches only the chunks the tensor diff reads, reports them in bytesFetched, and keeps them for next time', async () => {
    const { startHubServe } = await import('../helpers/hub-server.js');
    const { localRepoWithRemote } = await import('../helpers/remote-repo.js');
    const s = await startHubServe();
    try {
      const { dir: a, env } = await localRepoWithRemote(s, 'admin/difftest');
      makeModel(join(a, 'model.safetensors'), '16MiB', 91);
      writeFileSync(join(a, 'config.json'), '{"lr": 1}\n');
      await runHubJson(['add', '-A'], { cwd: a, env });
      const c1 = (await runHubJson(['commit', '-m', 'rev1'], { cwd: a, env })).commit;
      mutateModel(join(a, 'model.safetensors'), join(a, 'next'), 0.1, 92);
      renameSync(join(a, 'next'), join(a, 'model.safetensors'));
      writeFileSync(join(a, 'config.json'), '{"lr": 2}\n');
      await runHubJson(['add', '-A'], { cwd: a, env });
      const c2 = (await runHubJson(['commit', '-m', 'rev2'], { cwd: a, env })).commit;
      await runHubJson(['push'], { cwd: a, env });
      const local = await diffJson([c1, c2], a, env);

      const parent = tmpDir();
      const envB = { ...env, HUB_HOME: tmpDir() };
      await runHubJson(['clone', '--no-checkout', `${s.url}/admin/difftest`, 'b'], { cwd: parent, env: envB });
      const b = join(parent, 'b');
      const remote = await diffJson([c1, c2], b, envB);
      expect(remote.code).toBe(0);
      // a big comparison reports progress on stderr (plain lines under CI), never on stdout
      expect(remote.stderr).toMatch(/^Comparing model\.safetensors \(32\.0 MiB\)$/m);
      expect(remote.stderr).toMatch(/^Comparing model\.safetensors: done \(/m);
      const size = remote.doc.files.find((f: { path: string }) => f.path === 'model.safetensors').size.b;
      // the same answer as where both revisions are local, from a fraction of the bytes
      const strip = (doc: { files: Array<{ tensors?: { bytesRead?: unknown } }> }) => doc.files.map((f) => ({ ...f, tensors: f.tensors && { ...f.tensors, bytesRead: undefined } }));
      expect(strip(remote.doc)).toEqual(strip(local.doc));
      const model = remote.doc.files.find((f: { path: string }) => f.path === 'model.safetensors');
      expect(model.tensors.changed.count).toBeGreaterThan(0);
      expect(model.chunks.newBytes).toBeLessThan(0.2 * size);
      expect(remote.doc.bytesFetched).toBeGreaterThan(0);
      expect(remote.doc.bytesFetched).toBeLessThan(0.4 * size);
      // what was fetched stays in the store: the same diff again fetches nothing
      const again = await diffJson([c1, c2], b, envB);
      expect(again.doc.bytesFetched).toBe(0);
      // offline, content that is not local is a per-file error, not a hang
      const offline = await diffJson(['HEAD~1', 'HEAD', '--', 'model.safetensors', '--stats'], b, { ...envB, HUB_OFFLINE: '1', HUB_HOME: tmpDir() });
      expect(offline.code).toBe(6);
      expect(offline.doc.files[0].error).toMatchObject({ code: 'offline' });
    } finally {
      await s.stop();
    }
  });
});
