// Loads the Xet chunking vectors (fixtures/spec, copied from xet-core's output) and regenerates their inputs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One case of xet-chunking-vectors.json. */
export interface VectorCase {
  name: string;
  input: { generator: 'mulberry32' | 'zeros' | 'csv'; seed?: number; length: number };
  chunk_lengths: number[];
  chunk_hashes: string[];
  file_hash: string | null;
  xorb_hash: string | null;
}

/** Path of the Xet reference data inside the repository. */
export const SPEC_DIR = fileURLToPath(new URL('../../fixtures/spec/', import.meta.url));

/** Every vector case. */
export function loadVectors(): VectorCase[] {
  return JSON.parse(readFileSync(`${SPEC_DIR}xet-chunking-vectors.json`, 'utf8')).cases;
}

/** The generator_mulberry32 of the vectors file: 4 LE bytes per step, last group truncated. */
export function mulberry32Bytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i += 4) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const v = (t ^ (t >>> 14)) >>> 0;
    for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
  }
  return out;
}

/** The input bytes of a vector case. */
export function vectorInput(c: VectorCase): Uint8Array {
  switch (c.input.generator) {
    case 'mulberry32':
      return mulberry32Bytes(c.input.seed!, c.input.length);
    case 'zeros':
      return new Uint8Array(c.input.length);
    case 'csv': {
      let text = 'id,text,label\n';
      const rows: string[] = [];
      for (let i = 0; i < 20000; i++) rows.push(`${i},"row number ${i} of a small csv",${i % 7}`);
      text += rows.join('\n') + '\n';
      const bytes = new TextEncoder().encode(text);
      if (bytes.length !== c.input.length) throw new Error(`csv generator gave ${bytes.length} bytes, expected ${c.input.length}`);
      return bytes;
    }
  }
}
