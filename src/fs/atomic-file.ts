/**
 * The one way hub replaces a file: the bytes go to a temporary file in the same directory (or in
 * a given directory of the same file system), which is fsynced, renamed over the destination,
 * and the directory fsynced; on any failure the temporary file is removed. A reader sees the old
 * file or the whole new one, whatever the moment of a crash, and once the call returns the new
 * one survives a power loss. Temporary names carry the writer's pid, so fsck, gc and later runs
 * can recognise leftovers of a killed process (removeStaleTmpFiles).
 *
 * Refs, the index, credentials, manifests, download records and downloaded files are written here
 * durably. Caches a crash may take back (the stat cache, the index's tree record) pass `durable:
 * false`: their readers check every entry against the file it describes, and an fsync pair costs
 * 10-60 ms on this project's VMs, at the end of every pull and checkout. Loose git objects and
 * working-tree files, large ones included, pass
 * `durable: false` (still atomic and verified, not fsynced), as git itself does by default: an
 * fsync costs 0.4-1 ms per file on the machines measured, which would make a commit or checkout
 * of 100,000 small files take minutes, and a large file's fsync waits for the disk to take all
 * of it (a 512 MiB file at the 400 MB/s measured here: 1.3 s, most of a clone's time) though its
 * content is already durable in the store, which a crash cannot lose: `hub restore` rewrites a
 * working file from it. Xorbs and manifests (the store) are always durable.
 */
import { closeSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Suffix every temporary file of hub carries. */
export const TMP_SUFFIX = '.hub-tmp';

/** How writeFileAtomic writes. */
export interface AtomicWriteOptions {
  /**
   * Permission bits, exactly (the umask does not apply: 0o600 credentials, a 0o755 hook).
   * Default: those of the regular file being replaced, else 0o644 less the umask.
   */
  mode?: number;
  /** Directory of the temporary file (on the same file system as the destination); default the destination's. */
  tmpDir?: string;
  /**
   * The exact temporary path, created O_EXCL: git's lock-file protocol (`.git/index.lock`), so a
   * concurrent git and hub never both write. EEXIST is thrown for the caller to report.
   */
  lockPath?: string;
  /** Called with the temporary file's descriptor as soon as it is created, before anything is written (index-file.ts records who holds `index.lock`). */
  onCreated?: (fd: number) => void;
  /** false: atomic but not fsynced (loose objects, working-tree files; see the module comment). Default true. */
  durable?: boolean;
}

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

/** Replaces `path` with `data` atomically and (by default) durably; see the module comment. */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  if (opts.tmpDir !== undefined) mkdirSync(opts.tmpDir, { recursive: true });
  const mode = opts.mode ?? modeOf(path);
  const tmp = opts.lockPath ?? tmpPathFor(opts.tmpDir ?? dir, path);
  const fd = openSync(tmp, 'wx', mode ?? 0o644);
  const durable = opts.durable !== false;
  try {
    try {
      opts.onCreated?.(fd);
      if (mode !== undefined) fchmodSync(fd, mode); // exact: the umask narrowed what open gave
      writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  if (durable) fsyncDir(dir);
}

/** Replaces `path` with a symbolic link to `target` atomically (the link is made under a temporary name, then renamed). */
export function symlinkAtomic(target: string, path: string, opts: Pick<AtomicWriteOptions, 'tmpDir' | 'durable'> = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  if (opts.tmpDir !== undefined) mkdirSync(opts.tmpDir, { recursive: true });
  const tmp = tmpPathFor(opts.tmpDir ?? dir, path);
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  if (opts.durable !== false) fsyncDir(dir);
}

/**
 * Moves a finished temporary file (from tmpPathFor, written by a streaming writer: xorbs,
 * reassembled and staged objects, fsynced by it unless it is a working-tree file) into place,
 * durably unless `durable: false` (a working-tree file; see the module comment).
 */
export function commitFile(tmp: string, path: string, opts: { durable?: boolean } = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  renameSync(tmp, path);
  if (opts.durable !== false) fsyncDir(dirname(path));
}

/** commitFile on the thread pool (the rename and the folder's fsync hold no event loop: a clone commits a xorb every 64 MiB while it receives). */
export async function commitFileAsync(tmp: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * fdatasync of the file at `path` on the thread pool: a received file that becomes stored content
 * by a rename ({@link commitFile}) reaches the disk first, while the caller verifies it.
 */
export async function datasyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
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

/** The permission bits of `path` when it is a regular file. */
function modeOf(path: string): number | undefined {
  try {
    const st = lstatSync(path);
    return st.isFile() ? st.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

/** writeSync until every byte is written (a write may be partial). */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* never created, or already gone */
  }
}
