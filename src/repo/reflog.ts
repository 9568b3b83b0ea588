/**
 * A ref's reflog (`.git/logs/<ref>`), in git's line format
 * `<old> <new> <Name> <<email>> <seconds> <+hhmm>\t<message>`. hub keeps the ones git keeps in a
 * working repository (core.logAllRefUpdates): HEAD and branches, appended as git appends them,
 * and `refs/stash` (`git stash list` reads the stash stack from its reflog).
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { formatIdentity, type GitIdentity } from '../formats/git-object.js';

const ZERO = '0000000000000000000000000000000000000000';

/** One reflog line. */
export interface ReflogEntry {
  old: string;
  new: string;
  line: string;
}

/** The entries of `ref`'s reflog, oldest first (none when it has no reflog). */
export function readReflog(gitdir: string, ref: string): ReflogEntry[] {
  let text: string;
  try {
    text = readFileSync(join(gitdir, 'logs', ref), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((line) => ({ old: line.slice(0, 40), new: line.slice(41, 81), line }));
}

/** Appends an entry (written whole: the file is replaced atomically). */
export function appendReflog(gitdir: string, ref: string, oldOid: string | undefined, newOid: string, who: GitIdentity, message: string): void {
  const lines = readReflog(gitdir, ref).map((e) => e.line);
  lines.push(`${oldOid ?? ZERO} ${newOid} ${formatIdentity(who)}\t${message.split('\n')[0]}`);
  writeReflog(gitdir, ref, lines);
}

/**
 * Appends one entry in place (O_APPEND, as git does: a reflog may hold years of entries, so it
 * is not rewritten). The message is one line, as git keeps it.
 */
export function appendReflogLine(gitdir: string, ref: string, oldOid: string | undefined, newOid: string, who: GitIdentity, message: string): void {
  const path = join(gitdir, 'logs', ref);
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${oldOid ?? ZERO} ${newOid} ${formatIdentity(who)}\t${message.split('\n')[0]}\n`);
}

/** Replaces the reflog with `lines` (none: removes it). */
export function writeReflog(gitdir: string, ref: string, lines: readonly string[]): void {
  const path = join(gitdir, 'logs', ref);
  if (!lines.length) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, `${lines.join('\n')}\n`);
}
