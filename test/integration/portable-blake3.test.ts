// hub on a machine without the optional native BLAKE3 addon (@napi-rs/blake-hash): it falls back
// to hash-wasm and gives the same chunks, hashes and stored files. The addon is hidden from the
// hub process by a preload (test/helpers/no-native-blake3.cjs), as if npm had left it out.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { blake3Backend } from '../../src/hash/blake3.js';
import { sha256Hex } from '../../src/hash/sha256.js';
import { runHub } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { loadVectors, vectorInput } from '../helpers/vectors.js';

const preload = fileURLToPath(new URL('../helpers/no-native-blake3.cjs', import.meta.url));
const withoutAddon = { NODE_OPTIONS: `--require=${preload}`, HUB_BLAKE3: undefined };

describe('without the native BLAKE3 addon', () => {
  it('hub reports the wasm backend, and the native one when the addon is there', async () => {
    const hidden = await runHub(['version', '--json'], { env: withoutAddon });
    expect(hidden.code, hidden.stderr).toBe(0);
    expect(JSON.parse(hidden.stdout).blake3).toBe('wasm');
    const normal = await runHub(['version', '--json'], { env: { HUB_BLAKE3: undefined } });
    expect(JSON.parse(normal.stdout).blake3).toBe(blake3Backend({}));
  });

  it('hub chunk reproduces the Xet vectors', async () => {
    const cases = loadVectors().filter((c) => c.input.length <= 3_000_000);
    expect(cases.length).toBeGreaterThan(3);
    const dir = tmpDir();
    for (const c of cases) {
      writeFileSync(join(dir, 'input.bin'), vectorInput(c));
      const r = await runHub(['chunk', 'input.bin', '--json'], { cwd: dir, env: withoutAddon });
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.chunks.map((x: { hash: string }) => x.hash), c.name).toEqual(c.chunk_hashes);
      expect(out.xetHash, c.name).toBe(c.file_hash);
    }
  });

  it('a store written without the addon is read back and checked with it, and the reverse', async () => {
    const dir = tmpDir();
    const input = vectorInput(loadVectors().find((c) => c.input.length > 1_000_000)!);
    writeFileSync(join(dir, 'a.bin'), input);
    const added = await runHub(['store', 'add', 'a.bin', '--json'], { cwd: dir, env: withoutAddon });
    expect(added.code, added.stderr).toBe(0);
    const oid = JSON.parse(added.stdout).files[0].oid;
    expect(oid).toBe(sha256Hex(input));
    const fsck = await runHub(['fsck', '--json'], { cwd: dir, env: { HUB_BLAKE3: undefined } });
    expect(fsck.code, fsck.stdout).toBe(0);
    const cat = await runHub(['store', 'cat', oid, '-o', 'b.bin'], { cwd: dir, env: withoutAddon });
    expect(cat.code, cat.stderr).toBe(0);
    expect(readFileSync(join(dir, 'b.bin')).equals(input)).toBe(true);
    const fsckWasm = await runHub(['fsck', '--json'], { cwd: dir, env: withoutAddon });
    expect(fsckWasm.code, fsckWasm.stdout).toBe(0);
  });
});
