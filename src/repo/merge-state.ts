/**
 * The state git leaves while a merge waits for its commit: `.git/MERGE_HEAD` (the commits being
 * merged, one per line), with MERGE_MSG, MERGE_MODE and AUTO_MERGE beside it. `hub commit`
 * after a `git merge` that stopped records those commits as further parents, as `git commit` does.
 */
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { join } from 'node:path';
import { IntegrityError } from '../errors.js';

const FILES = ['MERGE_HEAD', 'MERGE_MSG', 'MERGE_MODE', 'AUTO_MERGE', 'REVERT_HEAD'];

/** The commits a merge in progress is merging (empty when none is). */
export function readMergeHeads(gitdir: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(gitdir, 'MERGE_HEAD'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const heads = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  for (const h of heads) if (!/^[0-9a-f]{40}$/.test(h)) throw new IntegrityError(`.git/MERGE_HEAD is damaged: ${JSON.stringify(h.slice(0, 80))} is not a commit id`, { hint: "finish or abort the merge with git ('git merge --abort')" }, 'corrupt_merge_head');
  return heads;
}

/** Ends a merge in progress (after its commit is written): removes MERGE_HEAD and its companions. */
export function clearMergeState(gitdir: string): void {
  for (const f of FILES) rmSync(join(gitdir, f), { force: true });
}

/**
 * Records a merge that stopped for conflicts, as `git merge` leaves it: MERGE_HEAD (the commit
 * merged; REVERT_HEAD for a revert, as `git revert` leaves it), MERGE_MSG (the message `hub commit` / `git commit --no-edit` will use, with git's
 * "# Conflicts:" list) and an empty MERGE_MODE.
 */
export function writeMergeState(gitdir: string, theirs: string, message: string, conflicted: readonly string[], state: 'MERGE_HEAD' | 'REVERT_HEAD' = 'MERGE_HEAD'): void {
  const conflicts = conflicted.length ? `\n# Conflicts:\n${conflicted.map((p) => `#\t${p}\n`).join('')}` : '';
  writeFileAtomic(join(gitdir, 'MERGE_MSG'), `${message}\n${conflicts}`);
  if (state === 'MERGE_HEAD') writeFileAtomic(join(gitdir, 'MERGE_MODE'), '');
  writeFileAtomic(join(gitdir, state), `${theirs}\n`); // last: its presence says "merging" (or "reverting")
}

/** The message of the merge in progress (MERGE_MSG, trailing whitespace trimmed), or undefined. */
export function readMergeMessage(gitdir: string): string | undefined {
  try {
    return readFileSync(join(gitdir, 'MERGE_MSG'), 'utf8').replace(/\s+$/, '');
  } catch {
    return undefined;
  }
}

/** Records where HEAD was before a command moved it (ORIG_HEAD, as git's merge and reset write it). */
export function writeOrigHead(gitdir: string, oid: string): void {
  writeFileAtomic(join(gitdir, 'ORIG_HEAD'), `${oid}\n`);
}
