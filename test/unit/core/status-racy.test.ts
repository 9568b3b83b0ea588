/**
 * git's racy-clean rule in `hub status`: a file rewritten with the same size so soon after the
 * index was written that its stat data cannot tell the change (the index entry here is made to
 * carry the new file's exact stat and the old blob, as a change within one time-stamp tick
 * leaves it) is hashed, and shown modified; the same entry written well before the index is
 * trusted, as git trusts it (which is what shows that the first case is decided by the rule).
 */
import { lstatSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoreContext } from '../../../src/core/context.js';
import { add } from '../../../src/core/worktree/add.js';
import { commit } from '../../../src/core/worktree/commit.js';
import { init } from '../../../src/core/worktree/init-track.js';
import { status } from '../../../src/core/worktree/status.js';
import { parseGitIndex, serializeGitIndex } from '../../../src/formats/git-index.js';
import { indexEntryFromStat } from '../../../src/formats/git-index-stat.js';
import { silentProgress } from '../../../src/progress.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };

/** A committed repository whose `a.txt` was then rewritten with other bytes of the same size, its index entry carrying the new stat and the old blob; the index's mtime set `indexAfterMs` after the file's. */
async function sameStatChange(indexAfterMs: number): Promise<CoreContext> {
  const dir = tmpDir();
  const ctx: CoreContext = { cwd: dir, env: { ...ID, HUB_HOME: tmpDir() }, progress: silentProgress };
  await init(ctx, undefined, 'test');
  writeFileSync(join(dir, 'a.txt'), 'before\n');
  writeFileSync(join(dir, 'b.txt'), 'untouched\n');
  await add(ctx, [], { all: true });
  await commit(ctx, { message: 'base' });
  writeFileSync(join(dir, 'a.txt'), 'after!\n'); // same size
  const indexPath = join(dir, '.git', 'index');
  const { entries, extensions } = parseGitIndex(readFileSync(indexPath));
  const st = lstatSync(join(dir, 'a.txt'), { bigint: true });
  const forged = entries.map((e) => (e.path === 'a.txt' ? indexEntryFromStat('a.txt', e.oid, st) : e));
  writeFileSync(indexPath, serializeGitIndex(forged, { extensions }));
  const at = (Number(st.mtimeNs / 1_000_000n) + indexAfterMs) / 1000;
  utimesSync(indexPath, at, at);
  return ctx;
}

describe('hub status and racily clean entries', () => {
  it('hashes a file whose stat matches its entry but was modified within the racy window of the index write, and shows it modified', async () => {
    const r = await status(await sameStatChange(10));
    expect(r.unstaged).toEqual([{ path: 'a.txt', change: 'modified', large: false }]);
    expect(r.clean).toBe(false);
  });

  it('trusts the same entry when the index was written well after the file (git does too: the stat data proves it)', async () => {
    const r = await status(await sameStatChange(5_000));
    expect(r.unstaged).toEqual([]);
    expect(r.clean).toBe(true);
  });
});
