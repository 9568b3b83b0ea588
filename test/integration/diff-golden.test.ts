// Golden tests of `hub diff --json` on the fixture pairs in fixtures/diff/: each pair's file
// section (tensors or table) must equal the expected.json checked in beside it, and every
// document must validate against docs/schemas/diff.schema.json.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { ID } from '../helpers/remote-repo.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { checkNamedSchema } from '../helpers/schema-check.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const fixtures = join(repoRoot, 'fixtures', 'diff');

/** The fixture pairs of one kind: case name, a and b paths, the CLI flags from args.json. */
function pairs(kind: string): Array<{ name: string; a: string; b: string; flags: string[]; expected: unknown }> {
  const dir = join(fixtures, kind);
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'expected.json')) && readdirSync(join(dir, name)).some((f) => /^a\.\w+$/.test(f)))
    .map((name) => {
      const files = readdirSync(join(dir, name));
      const a = files.find((f) => /^a\.\w+$/.test(f))!;
      const b = files.find((f) => /^b\.\w+$/.test(f))!;
      const args = JSON.parse(readFileSync(join(dir, name, 'args.json'), 'utf8')) as { stats?: boolean; limit?: number; key?: string[] };
      const flags = [...(args.stats ? ['--stats'] : []), ...(args.limit !== undefined ? ['--limit', String(args.limit)] : []), ...(args.key ? ['--key', args.key.join(',')] : ['--no-key'])]; // the fixtures' keyless cases stay keyless (no detection)
      return { name, a: `${name}/${a}`, b: `${name}/${b}`, flags, expected: JSON.parse(readFileSync(join(dir, name, 'expected.json'), 'utf8')) };
    });
}

async function diffDoc(args: string[], cwd?: string, env?: Record<string, string>) {
  const r = await runHub(['diff', '--json', ...args], { cwd, env });
  const doc = JSON.parse(r.stdout);
  expect(checkNamedSchema('diff', doc)).toEqual([]);
  return { ...r, doc };
}

describe('hub diff golden fixtures', () => {
  for (const kind of ['tensors', 'tables', 'text'] as const) {
    const section = kind === 'tables' ? 'table' : kind;
    for (const p of existsSync(join(fixtures, kind)) ? pairs(kind) : []) {
      it(`${kind}/${p.name}`, async () => {
        const cwd = join(fixtures, kind);
        const { code, doc, stderr } = await diffDoc(['--no-index', p.a, p.b, ...p.flags], cwd);
        if (readFileSync(join(cwd, p.a)).equals(readFileSync(join(cwd, p.b)))) {
          expect(doc).toMatchObject({ identical: true, files: [] });
          return;
        }
        expect(doc.files).toHaveLength(1);
        const expected = p.expected as { error?: { code: string; message: string; exitCode: number } };
        if (expected.error) {
          // a malformed input: one line naming the file and the problem, its exit code
          expect(doc.files[0].error).toEqual(expected.error);
          expect(code).toBe(expected.error.exitCode);
          expect(lines(stderr).filter((l) => l.startsWith('hub: error:'))).toEqual([`hub: error: ${expected.error.message}`]);
          return;
        }
        expect(doc.files[0].error).toBeUndefined();
        expect(code).toBe(0);
        expect(doc.files[0][section]).toEqual(p.expected);
        if (kind === 'text') {
          // the hunks are what GNU diff -u prints (headers aside)
          const gnu = spawnSync('diff', ['-u', p.a, p.b], { cwd, encoding: 'utf8' }).stdout;
          expect(doc.files[0].text.patch.split('\n').slice(2)).toEqual(gnu.split('\n').slice(2));
        }
      });
    }
  }

  it('tensors/sharded: a sharded checkpoint diffed through its index, in a repository', async () => {
    const dir = tmpDir();
    const env = { ...ID, HUB_HOME: tmpDir() };
    await runHubJson(['init'], { cwd: dir, env });
    await runHubJson(['track', '*.safetensors'], { cwd: dir, env });
    cpSync(join(fixtures, 'tensors/sharded/a'), join(dir, 'ckpt'), { recursive: true });
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'a'], { cwd: dir, env });
    rmSync(join(dir, 'ckpt'), { recursive: true });
    cpSync(join(fixtures, 'tensors/sharded/b'), join(dir, 'ckpt'), { recursive: true });
    const args = JSON.parse(readFileSync(join(fixtures, 'tensors/sharded/args.json'), 'utf8')) as { stats?: boolean; limit?: number };
    const { doc } = await diffDoc([...(args.stats ? ['--stats'] : []), '--limit', String(args.limit ?? 10), '--', 'ckpt/model.safetensors.index.json'], dir, env);
    expect(doc.files[0]).toMatchObject({ path: 'ckpt/model.safetensors.index.json', kind: 'tensors' });
    expect(doc.files[0].tensors).toEqual(JSON.parse(readFileSync(join(fixtures, 'tensors/sharded/expected.json'), 'utf8')));
  });

  it('malformed tensor files: a one-line error naming the file and the problem, exit 1 (2 with --exit-code)', async () => {
    const dir = join(fixtures, 'tensors/malformed');
    const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Record<string, string>;
    for (const [file, message] of Object.entries(cases)) {
      const good = join(fixtures, file.endsWith('.gguf') ? 'tensors/gguf/a.gguf' : 'tensors/added/a.safetensors');
      const r = await diffDoc(['--no-index', good, file], dir);
      expect(r.code, file).toBe(1);
      expect(r.doc.files[0].error.message.startsWith(message), r.doc.files[0].error.message).toBe(true);
      const errs = lines(r.stderr).filter((l) => l.startsWith('hub: error:'));
      expect(errs).toEqual([`hub: error: ${r.doc.files[0].error.message}`]);
      expect((await runHub(['diff', '--no-index', good, file, '--exit-code'], { cwd: dir })).code).toBe(2);
    }
  });

  it('one malformed file does not hide the others: they are still compared and reported', async () => {
    const dir = tmpDir();
    const env = { ...ID, HUB_HOME: tmpDir() };
    await runHubJson(['init'], { cwd: dir, env });
    cpSync(join(fixtures, 'tensors/added/a.safetensors'), join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'notes.txt'), 'a\n');
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'a'], { cwd: dir, env });
    cpSync(join(fixtures, 'tensors/malformed/header-past-end.safetensors'), join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'notes.txt'), 'b\n');
    const r = await diffDoc([], dir, env);
    expect(r.code).toBe(1);
    expect(r.doc.summary).toMatchObject({ files: 2, modified: 2, errors: 1 });
    expect(r.doc.files[0]).toMatchObject({ path: 'model.safetensors', status: 'modified', error: { code: 'bad_safetensors' } });
    expect(r.doc.files[1]).toMatchObject({ path: 'notes.txt', kind: 'text', text: { added: 1, removed: 1 } });
    expect(lines(r.stderr).filter((l) => l.startsWith('hub: error:'))).toHaveLength(1);
  });
});
