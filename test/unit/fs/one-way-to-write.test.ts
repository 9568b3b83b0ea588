/**
 * Issue 12 point 8: files are replaced in one way, src/fs/atomic-file.ts. Any other rename or
 * whole-file write in src/ must be listed here with the reason it is not a file replacement.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/paths.js';

/** Calls that put bytes under a final name by hand. */
const WRITES = /\b(renameSync|rename|writeFileSync|writeFile|copyFileSync|copyFile|createWriteStream|symlinkSync)\(/g;

/** `file: call` -> why it is not a hand-rolled atomic write. */
const ALLOWED: Record<string, string> = {
  'src/core/worktree/rm-mv.ts: renameSync': '`hub mv` moves the user\'s working file; nothing is written',
  'src/repo/index-file.ts: writeFileSync': "index.lock's owner record (pid and inode), written while the lock is held and removed with it; a torn record names no lock, so nothing is taken over",
  'src/repo/merge-file.ts: writeFileSync': 'the three sides of a text merge as scratch files (O_EXCL) in .git/hub/tmp for git merge-file, removed after it ran',
  'src/server/bare-repos.ts: rename': 'a repository directory is renamed aside before it is deleted',
  'src/server/hf-commit.ts: writeFile': 'scratch files (O_EXCL) in a private work directory, ingested and removed by the commit',
  'src/server/hf-commit-stage.ts: writeFile': 'scratch files (O_EXCL) in a private work directory, ingested and removed by the commit',
  'src/server/hf-attributes.ts: writeFile': 'the commit\'s new .gitattributes as a scratch file (O_EXCL) in its private work directory',
  'src/server/git-write.ts: writeFile': 'a pack in the commit\'s private work directory, handed to git index-pack and removed',
  'src/server/receive-file.ts: createWriteStream': 'an upload (basic LFS, a hub-chunks or Xet xorb, a Xet shard) lands in the server tmp directory (O_EXCL) and is verified and ingested from there',
  'src/server/default-branch.ts: writeFile': "HEAD.lock (O_EXCL), git's own lock file for HEAD, renamed over HEAD as git does",
  'src/server/default-branch.ts: rename': "HEAD.lock renamed over HEAD, as git updates it",
  'src/server/server-key.ts: writeFileSync': 'a root key written whole under a temporary name (O_EXCL), then published with link(2) so two servers never both publish one',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('one way to write a file (src/fs/atomic-file.ts)', () => {
  it('has no other rename or whole-file write in src/ than the allowed ones', () => {
    const found = new Set<string>();
    const files = sources(join(repoRoot, 'src')).filter((f) => !relative(repoRoot, f).startsWith('src/fs/'));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const m of text.matchAll(WRITES)) found.add(`${relative(repoRoot, file)}: ${m[1]}`);
    }
    const unexplained = [...found].filter((k) => !(k in ALLOWED));
    expect(unexplained, 'write these through src/fs/atomic-file.ts (or allow them here with a reason)').toEqual([]);
    const stale = Object.keys(ALLOWED).filter((k) => !found.has(k));
    expect(stale, 'allowed calls that are gone: remove them from ALLOWED').toEqual([]);
  });
});
