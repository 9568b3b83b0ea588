/**
 * Replacing a large file without waiting for the old one to go. Unlinking a file of hundreds of
 * MiB that was just read or written drops its page-cache pages and frees its blocks inside the
 * rename that replaces it: 240 ms of a 512 MiB `hub pull` measured on this machine, on the
 * command's critical path. Here the old file is first renamed aside (into a temporary directory
 * of the same file system, under a name that carries this process's pid, like every temporary
 * file of hub), the new one takes its place, and the old one is removed by a detached `rm`
 * that outlives the command if need be. Should that `rm` not run, the file is a stale temporary
 * file, which the next command's removeStaleTmpFiles (atomic-file.ts) takes away.
 */
import { spawn } from 'node:child_process';
import { lstatSync, renameSync, unlinkSync } from 'node:fs';
import { commitFile, tmpPathFor } from './atomic-file.js';

/** Files at least this large are released in the background; smaller ones go at once. */
export const RELEASE_IN_BACKGROUND_BYTES = 16 << 20;

/**
 * Renames `tmp` over `path` (as commitFile does, not durably: a working-tree file); an old file
 * there of RELEASE_IN_BACKGROUND_BYTES or more is first moved into `tmpDir` (same file system)
 * and removed in the background. Should the rename fail, the old file is put back.
 */
export function replaceReleasingOld(tmp: string, path: string, tmpDir: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st?.isFile() || st.size < RELEASE_IN_BACKGROUND_BYTES) return commitFile(tmp, path, { durable: false });
  const aside = tmpPathFor(tmpDir, path);
  renameSync(path, aside);
  try {
    commitFile(tmp, path, { durable: false });
  } catch (err) {
    renameSync(aside, path);
    throw err;
  }
  removeInBackground(aside);
}

/** Removes `path` from a detached process (or at once, if none can be started). */
export function removeInBackground(path: string): void {
  try {
    const child = spawn('rm', ['-f', '--', path], { detached: true, stdio: 'ignore' });
    child.once('error', () => unlinkQuietly(path)); // no rm: remove it here
    child.unref();
  } catch {
    unlinkQuietly(path);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone, or left for removeStaleTmpFiles */
  }
}
