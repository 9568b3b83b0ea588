/**
 * Replacing a large file without waiting for the old one to go. Unlinking a file of hundreds of
 * MiB that was just read or written drops its page-cache pages and frees its blocks inside the
 * rename that replaces it: 240 ms of a 512 MiB `hub pull` measured on this machine, on the
 * command's critical path. Here the old file is first renamed aside (into a temporary directory
 * of the same file system, under a name that carries this process's pid, like every temporary
 * file of hub), the new one takes its place, and the old one is removed by a detached `rm`
 * that outlives the command if need be. Should that `rm` not run, the file is a stale temporary
 * file, which the next command's removeStaleTmpFiles (atomic-file.ts) takes away.
 *
 * When the `rm` runs matters too: freeing a large file's blocks holds the file system's journal
 * (ext4 here, mounted with `discard`: 130-160 ms for 512 MiB), and every fsync meanwhile waits
 * for it, such as the ref and index a pull writes right after its files. A repository command
 * therefore hands the old files to its session (`release`), which removes them once its last
 * write is done (core/worktree/repo-session.ts).
 */
import { spawn } from 'node:child_process';
import { lstatSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { commitFile, tmpPathFor } from './atomic-file.js';

/** Files at least this large are released in the background; smaller ones go at once. */
export const RELEASE_IN_BACKGROUND_BYTES = 16 << 20;

/**
 * Renames `tmp` over `path` (as commitFile does, not durably: a working-tree file); an old file
 * there of RELEASE_IN_BACKGROUND_BYTES or more is first moved into `tmpDir` (same file system)
 * and handed to `release` (default: removed in the background at once). Should the rename fail,
 * the old file is put back.
 */
export function replaceReleasingOld(tmp: string, path: string, tmpDir: string, release: (aside: string) => void = removeInBackground): void {
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
  release(aside);
}

/**
 * The age past which a file's pages are taken to be clean: Linux writes dirty pages back once
 * they are 30 s old (vm.dirty_expire_centisecs, its default).
 */
export const CLEAN_AFTER_MS = 30_000;

/**
 * Drops the page-cache pages of those of `paths` (existing files about to be replaced) whose pages
 * are clean, from one detached process: `dd iflag=nocache count=0` asks the kernel to discard a
 * whole file's clean cached pages (posix_fadvise DONTNEED, which node does not expose). The files
 * themselves do not change. Replacing a large file frees its pages anyway, at the rename; freeing
 * them before the new file is written lets the new file's writes reuse them. On a VM whose free
 * memory goes back to its host (free page reporting), writing into pages freed a moment ago costs
 * a fraction of writing into pages the host took back (docs/performance.md, "Cold pages").
 *
 * Dirty pages are not for dropping: the kernel would start writing back what the replacement is
 * about to discard unwritten. A file last written over {@link CLEAN_AFTER_MS} ago is clean. A
 * younger one (a pull seconds after a clone) is dropped too when the whole system holds few dirty
 * pages (`dirtyBytes()`: at most 1/8 of the young files' size), which bounds what writing back the
 * drop can start; otherwise it is left alone. Best effort: a system without `dd` or the flag
 * changes nothing.
 */
export function dropPagesInBackground(paths: readonly string[], now = Date.now(), dirtyBytes: () => number = systemDirtyBytes): void {
  const files = paths.flatMap((path) => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    return st?.isFile() ? [{ path, size: st.size, old: st.mtimeMs < now - CLEAN_AFTER_MS }] : [];
  });
  const youngBytes = files.reduce((n, f) => (f.old ? n : n + f.size), 0);
  const youngToo = youngBytes > 0 && dirtyBytes() <= youngBytes / 8;
  const drop = files.filter((f) => f.old || youngToo).map((f) => f.path);
  if (!drop.length) return;
  try {
    const child = spawn('sh', ['-c', DROP_SCRIPT, 'sh', ...drop], { detached: true, stdio: 'ignore' });
    child.once('error', () => undefined);
    child.unref();
  } catch {
    /* no process could be started: the pages go at the rename, as they would have */
  }
}

/** Each file `dd` is asked to drop from the cache (its errors, e.g. a file gone meanwhile, ignored). */
const DROP_SCRIPT = 'for f do dd if="$f" iflag=nocache count=0 status=none; done 2>/dev/null';

/**
 * The bytes of the system's page cache that are dirty or being written back (/proc/meminfo's
 * Dirty + Writeback); Infinity where that cannot be read (not Linux): then nothing young is dropped.
 */
export function systemDirtyBytes(meminfo = '/proc/meminfo'): number {
  let text: string;
  try {
    text = readFileSync(meminfo, 'latin1');
  } catch {
    return Infinity;
  }
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? NaN);
  const total = kib('Dirty') + kib('Writeback');
  return Number.isFinite(total) ? total * 1024 : Infinity;
}

/** Paths given to one `rm` (far below Linux's limit on the arguments of a process). */
const PATHS_PER_RM = 256;

/** Removes `paths` from detached processes (or at once, if none can be started). */
export function removeInBackground(paths: string | readonly string[]): void {
  const all = typeof paths === 'string' ? [paths] : paths;
  for (let at = 0; at < all.length; at += PATHS_PER_RM) {
    const some = all.slice(at, at + PATHS_PER_RM);
    try {
      const child = spawn('rm', ['-f', '--', ...some], { detached: true, stdio: 'ignore' });
      child.once('error', () => unlinkAll(some)); // no rm: remove them here
      child.unref();
    } catch {
      unlinkAll(some);
    }
  }
}

function unlinkAll(paths: readonly string[]): void {
  for (const path of paths) unlinkQuietly(path);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone, or left for removeStaleTmpFiles */
  }
}
