/**
 * Crash-safe file writes: bytes go to a temporary file that is fsynced, renamed into place and
 * the directory fsynced, so a reader sees either nothing or the whole file, whatever the moment
 * of a crash. Temporary names carry the writer's pid, so fsck and gc can recognise leftovers.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Suffix every temporary file of the store carries. */
export const TMP_SUFFIX = '.hub-tmp';

/** A fresh temporary path in `dir` for a file that will become `finalName`. */
export function tmpPathFor(dir: string, finalName: string): string {
  return join(dir, `.${basename(finalName)}.${process.pid}.${randomBytes(4).toString('hex')}${TMP_SUFFIX}`);
}

/** fsyncs a directory so a rename inside it is durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path` atomically (tmp + fsync + rename + dir fsync); the tmp file goes in `tmpDir` (default: beside `path`). */
export function writeFileAtomic(path: string, data: string | Uint8Array, tmpDir?: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = tmpPathFor(tmpDir ?? dir, path);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dir);
}

/** Moves a finished, already fsynced temporary file into place durably. */
export function commitFile(tmp: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Removes temporary files in `dir` left by processes that are gone (`isAlive(pid)` false). */
export function removeStaleTmpFiles(dir: string, isAlive: (pid: number) => boolean): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.endsWith(TMP_SUFFIX)) continue;
    const parts = name.split('.');
    const pid = Number.parseInt(parts[parts.length - 3] ?? '', 10);
    if (isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed++;
    } catch {
      /* gone */
    }
  }
  return removed;
}
