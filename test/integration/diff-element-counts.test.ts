// Issue 14, tensors without flags: `hub diff` of two safetensors versions names, for each changed
// tensor, its dtype and shape and how many elements changed, in the human output and in --json,
// without --stats. The files are built here with a known set of changed elements per dtype (F32,
// F16, BF16: 4 and 2 bytes wide), some scattered, one run across a 1 MiB read piece, one only in
// a single byte of an element, so the count is known before hub runs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ID } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { checkNamedSchema } from '../helpers/schema-check.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { safetensorsBytes, type TensorSpec } from '../helpers/tensor-files.js';
import { tmpDir } from '../helpers/tmp-dir.js';

interface Planned {
  name: string;
  dtype: string;
  shape: number[];
  width: number;
  changed: number;
}

const PLAN = [
  { name: 'layers.0.f32', dtype: 'F32', shape: [1000, 1000], width: 4 },
  { name: 'layers.1.f16', dtype: 'F16', shape: [1200, 1000], width: 2 },
  { name: 'layers.2.bf16', dtype: 'BF16', shape: [1000, 1000], width: 2 },
];

/** Version A and version B of a checkpoint, and how many elements of each tensor B changed. */
function buildPair(seed: number): { a: Uint8Array; b: Uint8Array; planned: Planned[] } {
  const rand = seededRandom(seed);
  const ta: TensorSpec[] = [];
  const tb: TensorSpec[] = [];
  const planned: Planned[] = [];
  for (const p of PLAN) {
    const elements = p.shape[0] * p.shape[1];
    const bytes = new Uint8Array(elements * p.width).map(() => Math.floor(rand() * 256));
    const next = bytes.slice();
    const touched = new Set<number>();
    // scattered elements in the first third, the first and the last, and a run across the end of
    // the first 1 MiB read piece; F32's third piece (2-3 MiB) is untouched
    const scattered = 1000 + Math.floor(rand() * 1000);
    for (let k = 0; k < scattered; k++) touched.add(Math.floor((rand() * elements) / 3));
    touched.add(0).add(elements - 1);
    const boundary = (1024 * 1024) / p.width;
    for (let e = boundary - 150; e < boundary + 150; e++) touched.add(e);
    for (const e of touched) {
      // every byte of the element, or one of them; never to the same value
      const which = rand() < 0.5 ? [...Array(p.width).keys()] : [Math.floor(rand() * p.width)];
      for (const k of which) {
        const at = e * p.width + k;
        next[at] = (next[at] + 1 + Math.floor(rand() * 255)) & 0xff;
      }
    }
    ta.push({ name: p.name, dtype: p.dtype, shape: p.shape, bytes });
    tb.push({ name: p.name, dtype: p.dtype, shape: p.shape, bytes: next });
    planned.push({ ...p, changed: touched.size });
  }
  const same: TensorSpec = { name: 'zz.same', dtype: 'F32', shape: [4], bytes: new Uint8Array(16).fill(7) };
  return { a: safetensorsBytes([...ta, same]), b: safetensorsBytes([...tb, same]), planned };
}

const count = (n: number) => n.toLocaleString('en-US');

/** The line the human output must hold for a tensor: dtype, shape, changed of all, percentage. */
function humanLine(p: Planned): string {
  const elements = p.shape[0] * p.shape[1];
  return `    ~ ${p.name}  ${p.dtype} [${p.shape.join(', ')}]: ${count(p.changed)} of ${count(elements)} elements changed (${((100 * p.changed) / elements).toFixed(1)}%)`;
}

/** Checks one `hub diff` (human and --json) of model.safetensors against the plan; returns its tensor section. */
async function expectCounts(args: string[], cwd: string, env: Record<string, string>, planned: Planned[]): Promise<{ bytesRead: { a: number; b: number } }> {
  const human = await runHub(['diff', ...args], { cwd, env });
  expect(human.code, human.stderr).toBe(0);
  expect(human.stdout).toContain('  tensors: 4 -> 4: 3 changed, 0 added, 0 removed, 1 unchanged\n');
  for (const p of planned) expect(human.stdout.split('\n')).toContain(humanLine(p));
  expect(human.stdout).not.toContain('zz.same');
  const r = await runHub(['diff', '--json', ...args], { cwd, env });
  const doc = JSON.parse(r.stdout);
  expect(checkNamedSchema('diff', doc)).toEqual([]);
  const file = doc.files.find((f: { path: string }) => f.path.endsWith('.safetensors'));
  expect(file.tensors.changed.items).toEqual(
    planned.map((p) => ({
      name: p.name,
      b: { dtype: p.dtype, shape: p.shape },
      elements: p.shape[0] * p.shape[1],
      elementsChanged: p.changed,
      bytesChanged: expect.any(Number),
    })),
  );
  for (const item of file.tensors.changed.items) expect(item.bytesChanged).toBeGreaterThanOrEqual(item.elementsChanged);
  return file.tensors;
}

describe('hub diff counts changed tensor elements without --stats', () => {
  let dir: string;
  let env: Record<string, string>;
  let pair: ReturnType<typeof buildPair>;

  beforeAll(async () => {
    pair = buildPair(testSeed('diff element counts'));
    dir = tmpDir();
    env = { ...ID, HUB_HOME: tmpDir() };
    await runHubJson(['init'], { cwd: dir, env });
    await runHubJson(['track', '*.safetensors'], { cwd: dir, env });
    writeFileSync(join(dir, 'model.safetensors'), pair.a);
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'a'], { cwd: dir, env });
    writeFileSync(join(dir, 'model.safetensors'), pair.b);
  }, 120_000);

  it('the working tree against HEAD', async () => {
    await expectCounts(['--', 'model.safetensors'], dir, env, pair.planned);
  });

  it('two committed revisions (chunk fingerprints settle the unchanged pieces)', async () => {
    await runHubJson(['add', 'model.safetensors'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'b'], { cwd: dir, env });
    const tensors = await expectCounts(['HEAD~1', 'HEAD'], dir, env, pair.planned);
    // the untouched piece of the F32 tensor was settled by fingerprints, not read
    expect(tensors.bytesRead.b).toBeLessThan(pair.b.length - 1024 * 1024);
  });

  it('two files with --no-index', async () => {
    const files = tmpDir();
    writeFileSync(join(files, 'a.safetensors'), pair.a);
    writeFileSync(join(files, 'b.safetensors'), pair.b);
    await expectCounts(['--no-index', 'a.safetensors', 'b.safetensors'], files, env, pair.planned);
  });
});
