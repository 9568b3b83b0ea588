/**
 * "A fresh clone is always clean" (issue 12, point 4), as one check: a repository on a test
 * `hub serve` is cloned with `hub clone` and with `git clone` (git-lfs installed), and in both
 * clones `hub status` and `git status --porcelain` must be clean twice: as checked out, and
 * after every working file's time stamps changed, so that neither tool can answer from its stat
 * data and both must clean (hash) every file again through the committed attributes.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { authUrl, gitClient } from './git-client.js';
import type { TestServer } from './hub-server.js';
import { ID } from './remote-repo.js';
import { runHubJson } from './run-hub.js';
import { tmpDir } from './tmp-dir.js';

/** Deterministic bytes (SHA-256 in counter mode), for file contents that only need to differ. */
export function bytesOf(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0, at = 0; at < size; i++, at += 32) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, at);
  return out;
}

function workingFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const p = prefix ? `${prefix}/${e.name}` : e.name;
    if (p === '.git') continue;
    if (e.isDirectory()) out.push(...workingFiles(dir, p));
    else out.push(p);
  }
  return out.sort();
}

/** Sets every working file's times an hour back: stat data recorded at checkout no longer matches. */
function touchAll(dir: string): void {
  const past = new Date(Date.now() - 3_600_000);
  for (const p of workingFiles(dir)) utimesSync(join(dir, p), past, past);
}

/**
 * Clones `path` (`owner/name` or `datasets/owner/name`) of `server` both ways and asserts both
 * statuses clean in both clones, before and after touching every file. `expected` maps paths to
 * their bytes: the clones must hold exactly those files (large ones smudged to their content);
 * null for a file whose bytes are not checked (a `.gitattributes` that hub wrote).
 */
export async function expectCleanClones(server: TestServer, path: string, expected: Record<string, Buffer | string | null>): Promise<void> {
  const parent = tmpDir();
  const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: server.adminToken };
  await runHubJson(['clone', `${server.url}/${path}`, 'by-hub'], { cwd: parent, env });
  const client = gitClient();
  client.run(parent, 'clone', '-q', authUrl(server.host, `/${path}`, server.adminToken), 'by-git');
  for (const name of ['by-hub', 'by-git']) {
    const dir = join(parent, name);
    expect(workingFiles(dir), `files of the ${name} clone`).toEqual(Object.keys(expected).sort());
    for (const [p, bytes] of Object.entries(expected)) {
      if (bytes !== null) expect(readFileSync(join(dir, p)).equals(Buffer.from(bytes)), `${p} in the ${name} clone`).toBe(true);
    }
    for (const when of ['as cloned', 'after touching every file']) {
      const st = await runHubJson(['status'], { cwd: dir, env });
      expect(st.clean, `hub status in the ${name} clone, ${when}: ${JSON.stringify(st)}`).toBe(true);
      expect(client.run(dir, 'status', '--porcelain'), `git status in the ${name} clone, ${when}`).toBe('');
      if (when === 'as cloned') touchAll(dir);
    }
  }
}
