import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/hash/sha256.js';
import { loadVectors, vectorInput } from '../helpers/vectors.js';
import { runHub } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

describe('hub chunk FILE --json', () => {
  it.each(loadVectors().map((c) => [c.name, c] as const))('reproduces the Xet vector: %s', async (_name, c) => {
    const dir = tmpDir();
    const input = vectorInput(c);
    writeFileSync(join(dir, 'input.bin'), input);
    const r = await runHub(['chunk', 'input.bin', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.chunks.map((x: { length: number }) => x.length)).toEqual(c.chunk_lengths);
    expect(out.chunks.map((x: { hash: string }) => x.hash)).toEqual(c.chunk_hashes);
    expect(out.xetHash).toBe(c.file_hash);
    expect(out.xorbHash).toBe(c.xorb_hash);
    expect(out.oid).toBe(sha256Hex(input));
    expect(out.size).toBe(input.length);
    let offset = 0;
    for (const x of out.chunks) {
      expect(x.offset).toBe(offset);
      offset += x.length;
    }
  });
});
