/**
 * The server never does O(file) work on its event loop (DESIGN §1): content is hashed by the store
 * code its worker jobs run (work-jobs.ts), never by the modules of src/server/ themselves. A
 * basic LFS upload hashed every part on the event loop as it arrived until 2026-12-05; this fails
 * if a server module takes up a content hash again. HMACs and the SHA-256 of a token (a few bytes)
 * are not content hashing, and are listed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/paths.js';

/** Calls that start a hash over content. */
const HASHING = /\b(createHash|createSha256|startFileSha256|followFileSha256|inlineSha256|sha256Hex)\(/g;

/** `file: call` -> why it is not content. */
const ALLOWED: Record<string, string> = {
  'src/server/metadata-rules.ts: sha256Hex': 'the SHA-256 of an access token (tens of bytes), the form tokens are stored in',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('server modules hash no content themselves', () => {
  it('src/server/ starts no content hash outside the listed exceptions', () => {
    const root = repoRoot;
    const found = new Set<string>();
    for (const file of sources(join(root, 'src', 'server'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(HASHING)) found.add(`${relative(root, file)}: ${m[1]}`);
    }
    expect([...found].filter((f) => !(f in ALLOWED)).sort()).toEqual([]);
    // an exception no longer used goes from the list
    expect(Object.keys(ALLOWED).filter((f) => !found.has(f))).toEqual([]);
  });
});
