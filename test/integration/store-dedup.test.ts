import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/hash/sha256.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const json = (args: string[], cwd: string) => runHubJson(args, { cwd });

describe('store add deduplicates', () => {
  it('stores a 10%-changed revision of a 64 MiB model in at most 15% more space, and a copy in none', async () => {
    const dir = tmpDir();
    makeModel(join(dir, 'rev1.safetensors'), '64MiB', 1);
    mutateModel(join(dir, 'rev1.safetensors'), join(dir, 'rev2.safetensors'), 0.1, 2);
    copyFileSync(join(dir, 'rev1.safetensors'), join(dir, 'copy.safetensors'));
    const size = statSync(join(dir, 'rev1.safetensors')).size;

    const a1 = await json(['store', 'add', 'rev1.safetensors'], dir);
    expect(a1.files[0].newBytes).toBe(size);
    const du1 = await json(['du'], dir);

    const a2 = await json(['store', 'add', 'rev2.safetensors'], dir);
    expect(a2.files[0].newBytes).toBeLessThanOrEqual(0.15 * size);
    expect(a2.files[0].newBytes + a2.files[0].dedupBytes).toBe(size);
    const du2 = await json(['du'], dir);
    expect(du2.storedBytes - du1.storedBytes).toBeLessThanOrEqual(0.15 * size);

    const a3 = await json(['store', 'add', 'copy.safetensors'], dir);
    expect(a3.files[0].newBytes).toBe(0);
    expect(a3.files[0].oid).toBe(a1.files[0].oid);
    const du3 = await json(['du'], dir);
    expect(du3.storedBytes).toBe(du2.storedBytes);
    expect(du3.logicalBytes).toBe(2 * size);
    expect(du3.files).toBe(2);
    expect(du3.dedupRatio).toBeGreaterThan(1.7);

    for (const [name, add] of [['rev1.safetensors', a1], ['rev2.safetensors', a2]] as const) {
      const out = join(dir, `${name}.out`);
      const cat = await runHub(['store', 'cat', add.files[0].oid, '-o', out], { cwd: dir });
      expect(cat.code, cat.stderr).toBe(0);
      expect(sha256Hex(readFileSync(out))).toBe(sha256Hex(readFileSync(join(dir, name))));
    }
    expect((await runHub(['fsck'], { cwd: dir })).code).toBe(0);
  });
});
