/**
 * The hashing thread of hub serve's whole downloads (store/sha256-pieces.ts), as built
 * (dist/: from the TypeScript sources the module hashes inline, which the first test also
 * checks): the digest of pieces of several shared buffers and of memory of their own, every
 * piece released once hashed or dropped, and a process that only used it exits on its own.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/paths.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import * as inline from '../../../src/store/sha256-pieces.js';

const BUILT = `${repoRoot}/dist/store/sha256-pieces.js`;
type Module = typeof inline;

/** Pieces cut at random from 4 shared buffers of 1 MiB and one plain buffer, and their expected digest. */
function pieces(random: () => number): { list: Uint8Array[]; expected: string } {
  const list: Uint8Array[] = [];
  const sha = createHash('sha256');
  for (let b = 0; b < 5; b++) {
    const memory = b === 2 ? new ArrayBuffer(1 << 20) : new SharedArrayBuffer(1 << 20);
    const bytes = new Uint8Array(memory);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    for (let at = 0; at < bytes.length; ) {
      const length = Math.min(bytes.length - at, 1 + Math.floor(random() * 200_000));
      const piece = bytes.subarray(at, at + length);
      list.push(piece);
      sha.update(piece);
      at += length + Math.floor(random() * 100); // gaps between pieces, as chunk headers are
    }
  }
  return { list, expected: sha.digest('hex') };
}

async function check(mod: Module, seed: number): Promise<void> {
  const { list, expected } = pieces(seededRandom(seed));
  const hash = mod.startPiecesSha256();
  let released = 0;
  for (const piece of list) hash.add(piece, () => released++);
  expect(await hash.digest()).toBe(expected);
  expect(released).toBe(list.length);
}

describe('startPiecesSha256', () => {
  it('inline (the sources) and on its thread (the build): the SHA-256 of the pieces in order, each released', async () => {
    const seed = testSeed('sha256-pieces');
    expect(existsSync(BUILT), 'npm run build first').toBe(true);
    const built = (await import(BUILT)) as Module;
    await check(inline, seed);
    await check(built, seed);
    // several at once on the one thread, each its own digest
    await Promise.all([1, 2, 3].map((k) => check(built, seed + k)));
  });

  it('on its thread, a piece of shared memory is released only once hashed; drop releases the rest', async () => {
    const built = (await import(BUILT)) as Module;
    const memory = new Uint8Array(new SharedArrayBuffer(1 << 20)).fill(7);
    const hash = built.startPiecesSha256();
    let released = 0;
    hash.add(memory.subarray(0, 1000), () => released++);
    hash.add(memory.subarray(2000, 5000), () => released++);
    expect(released, 'not before the thread read it').toBe(0);
    const dropped = built.startPiecesSha256();
    let droppedReleased = 0;
    dropped.add(memory.subarray(0, 100), () => droppedReleased++);
    dropped.add(new Uint8Array(new SharedArrayBuffer(64)), () => droppedReleased++); // a second batch
    dropped.drop();
    expect(droppedReleased).toBe(2);
    expect(await hash.digest()).toBe(createHash('sha256').update(memory.subarray(0, 1000)).update(memory.subarray(2000, 5000)).digest('hex'));
    expect(released).toBe(2);
  });

  it('a process that used the thread exits on its own once no hash waits', () => {
    const script = `const m = await import(${JSON.stringify(BUILT)}); const h = m.startPiecesSha256(); h.add(new Uint8Array(new SharedArrayBuffer(16)), () => {}); console.log(await h.digest());`;
    const file = join(tmpDir('sha256-pieces-'), 'use.mjs');
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    expect(run.error, 'still running after 20 s').toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(createHash('sha256').update(new Uint8Array(16)).digest('hex'));
  });
});
