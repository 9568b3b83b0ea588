/**
 * The working-tree scanner: lists the files git would see (`git ls-files --others --cached
 * --exclude-standard` on a fully added tree) with their lstat data, honouring `.gitignore` files
 * at every level and `.git/info/exclude` with git's semantics, in git index order.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, type BigIntStats, type Dirent } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { fromFsError, UsageError } from '../errors.js';
import { LstatBatches } from './lstat-many.js';
import { Field, packedCtimeNs, packedMtimeNs, PackedKind, STAT_FIELDS } from './lstat-pack.js';

/** One file or symlink of the working tree; `path` is '/'-separated and relative, `mode` is lstat's st_mode. */
export interface WorktreeFile {
  path: string;
  kind: 'file' | 'symlink';
  mode: number;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: number;
  dev: number;
  uid: number;
  gid: number;
}

/** Options of {@link scanWorktree}. */
export interface ScanOptions {
  /** Limit the scan to these files or directories (normalised, relative; '' is the whole tree). */
  paths?: string[];
  /** Also return files that `.gitignore` / `info/exclude` exclude. */
  includeIgnored?: boolean;
}

/**
 * The patterns of one exclude file. `files` and `dirs` answer for the path itself only: a last
 * rule re-includes every directory, so a parent's match does not leak down (the walk has already
 * stopped at excluded directories, and a deeper file may have re-included one).
 * `dirs` tests a directory without its trailing '/', so its rules have their dir-only '/' dropped.
 */
interface ExcludeLevel {
  prefix: string;
  files: Ignore;
  dirs: Ignore;
}

/** git's trim_trailing_spaces: drop trailing spaces unless the first of them is backslash-escaped. */
function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === ' ') end--;
  if (end === line.length) return line;
  let slashes = 0;
  while (end - slashes > 0 && line[end - 1 - slashes] === '\\') slashes++;
  return line.slice(0, slashes % 2 === 1 ? end + 1 : end);
}

function excludeLevel(prefix: string, text: string): ExcludeLevel | undefined {
  const filePatterns: string[] = [];
  const dirPatterns: string[] = [];
  for (const raw of (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n')) {
    const line = trimTrailingSpaces(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (line === '' || line.startsWith('#')) continue;
    const bang = line.startsWith('!') ? '!' : '';
    const body = line.slice(bang.length);
    const dirOnly = body.endsWith('/') ? '/' : '';
    const core = dirOnly ? body.slice(0, -1) : body;
    if (core === '') continue;
    // `ignore` would read a leading '#' or '!' of the pattern as syntax; after a '!' git takes them literally.
    const literal = /^[#!]/.test(core) ? `\\${core}` : core;
    filePatterns.push(`${bang}${literal}${dirOnly}`);
    dirPatterns.push(`${bang}${literal}`);
  }
  if (filePatterns.length === 0) return undefined;
  const make = (patterns: string[]): Ignore => ignore({ ignorecase: false }).add([...patterns, '!*/']);
  return { prefix, files: make(filePatterns), dirs: make(dirPatterns) };
}

function readExcludeFile(full: string, prefix: string): ExcludeLevel | undefined {
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw fromFsError(err, full, 'ignore file');
  }
  return excludeLevel(prefix, text);
}

/** git's rule: the deepest exclude file with a matching pattern decides, its last matching pattern wins. */
function excluded(levels: readonly ExcludeLevel[], path: string, isDir: boolean): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i];
    const result = (isDir ? level.dirs : level.files).test(path.slice(level.prefix.length));
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

/** One UTF-16 unit's rank in UTF-8 byte order: surrogates (code points above U+FFFF) after U+E000-U+FFFF. */
function utf8Rank(x: number): number {
  return x < 0xd800 ? x : x <= 0xdfff ? x + 0x2000 : x - 0x800;
}

/** Byte-wise UTF-8 order (git index order) without encoding: UTF-16 order, but surrogate pairs (above U+FFFF) after U+E000-U+FFFF. */
function compareGitPaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

/**
 * Two entries of one directory in the order git sorts their full paths: a directory's name as if
 * followed by '/', so that walking each directory in this order lists the tree in index order.
 */
function compareEntries(a: Dirent, b: Dirent): number {
  const x = a.name;
  const y = b.name;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = x.charCodeAt(i);
    const d = y.charCodeAt(i);
    if (c !== d) return utf8Rank(c) - utf8Rank(d);
  }
  if (x.length === y.length) return 0;
  // one name is a prefix of the other: its '/' (a directory) or its end (a file) meets the other's next unit
  const tail = (short: Dirent, long: string) => (short.isDirectory() ? 0x2f - utf8Rank(long.charCodeAt(short.name.length)) : -1);
  return x.length < y.length ? tail(a, y) : -tail(b, x);
}

function lstatOrUndefined(full: string): BigIntStats | undefined {
  try {
    return lstatSync(full, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // gone since readdir, or never there
    throw fromFsError(err, full);
  }
}

function toFile(path: string, st: BigIntStats): WorktreeFile | undefined {
  const kind = st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : undefined;
  if (kind === undefined) return undefined;
  return {
    path, kind, mode: Number(st.mode), size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs,
    ino: Number(st.ino), dev: Number(st.dev), uid: Number(st.uid), gid: Number(st.gid),
  };
}

/** One scan: the exclude files read so far (each directory's at most once) and the files found. */
class Scan {
  readonly out: WorktreeFile[] = [];
  private readonly levelCache = new Map<string, ExcludeLevel | undefined>();

  /**
   * `found`: the walk only hands over the files it finds (by their directory entries), for the
   * caller to lstat in bulk ({@link scanWorktreePacked}); otherwise it lstats each.
   */
  constructor(private readonly workdir: string, private readonly useIgnores: boolean, private readonly found?: (path: string) => void) {}

  /** The exclude levels that apply inside directory `dir` ('' for the root), lowest precedence first. */
  levelsFor(parent: readonly ExcludeLevel[], dir: string, hasIgnoreFile: () => boolean): readonly ExcludeLevel[] {
    if (!this.useIgnores) return parent;
    if (!this.levelCache.has(dir)) {
      // git does not follow a symlinked .gitignore, so only a regular file counts
      const level = hasIgnoreFile() ? readExcludeFile(join(this.workdir, dir, '.gitignore'), dir === '' ? '' : `${dir}/`) : undefined;
      this.levelCache.set(dir, level);
    }
    const own = this.levelCache.get(dir);
    return own === undefined ? parent : [...parent, own];
  }

  isExcluded(levels: readonly ExcludeLevel[], path: string, isDir: boolean): boolean {
    return this.useIgnores && excluded(levels, path, isDir);
  }

  walk(dir: string, levels: readonly ExcludeLevel[]): void {
    const full = join(this.workdir, dir);
    let entries: Dirent[];
    try {
      entries = readdirSync(full, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // removed while we scanned
      throw fromFsError(err, full, 'directory');
    }
    const inner = this.levelsFor(levels, dir, () => entries.some((e) => e.name === '.gitignore' && e.isFile()));
    const prefix = dir === '' ? '' : `${dir}/`;
    entries.sort(compareEntries); // a walk from the root then finds the files in index order
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const path = prefix + entry.name;
      if (entry.isDirectory()) {
        if (!this.isExcluded(inner, path, true)) this.walk(path, inner);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && !this.isExcluded(inner, path, false)) {
        if (this.found) {
          this.found(path);
          continue;
        }
        const st = lstatOrUndefined(join(this.workdir, path));
        const file = st && toFile(path, st);
        if (file) this.out.push(file);
      }
    }
  }

  /**
   * Walks down to the parent directory of `path`: the levels that apply there, whether an ancestor
   * is excluded, and whether every ancestor is a real directory (not missing, not a symlink).
   */
  parentOf(path: string, base: readonly ExcludeLevel[]): { levels: readonly ExcludeLevel[]; excluded: boolean; real: boolean } {
    const parts = path.split('/');
    const hasFile = (dir: string) => () => lstatOrUndefined(join(this.workdir, dir, '.gitignore'))?.isFile() === true;
    let levels = this.levelsFor(base, '', hasFile(''));
    let real = true;
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      real &&= parts[i - 1] !== '.git' && lstatOrUndefined(join(this.workdir, dir))?.isDirectory() === true;
      if (this.isExcluded(levels, dir, true)) return { levels, excluded: true, real };
      if (real) levels = this.levelsFor(levels, dir, hasFile(dir));
    }
    return { levels, excluded: false, real };
  }

  /** Adds `path`: a file, a directory to walk, or nothing when it is missing, excluded or beyond a symlink. */
  visit(path: string, base: readonly ExcludeLevel[]): void {
    if (path === '') return this.walk('', base);
    const parent = this.parentOf(path, base);
    if (parent.excluded || !parent.real || path.endsWith('/.git') || path === '.git') return;
    const st = lstatOrUndefined(join(this.workdir, path));
    if (st === undefined || this.isExcluded(parent.levels, path, st.isDirectory())) return;
    if (st.isDirectory()) return this.walk(path, parent.levels);
    const file = toFile(path, st);
    if (file) this.out.push(file);
  }
}

function baseLevels(workdir: string): ExcludeLevel[] {
  const exclude = readExcludeFile(join(workdir, '.git', 'info', 'exclude'), '');
  return exclude === undefined ? [] : [exclude];
}

/** The files and symlinks of the working tree (or of `opts.paths`) git would consider, sorted in git index order. */
export function scanWorktree(workdir: string, opts: ScanOptions = {}): WorktreeFile[] {
  const useIgnores = opts.includeIgnored !== true;
  const scan = new Scan(workdir, useIgnores);
  const base = useIgnores ? baseLevels(workdir) : [];
  for (const path of opts.paths ?? ['']) scan.visit(path, base);
  return sorted(scan.out, opts);
}

function sorted(out: WorktreeFile[], opts: ScanOptions): WorktreeFile[] {
  const files = out.sort((a, b) => compareGitPaths(a.path, b.path));
  return opts.paths && opts.paths.length > 1 ? files.filter((f, i) => i === 0 || files[i - 1].path !== f.path) : files;
}

/**
 * The whole working tree as {@link scanWorktree} finds it, in index order, with the lstat data
 * packed (lstat-pack.ts) rather than one object per file: `stats` has STAT_FIELDS numbers for
 * `paths[i]` from `i * STAT_FIELDS`, kind {@link PackedKind.Other} for a path gone since its
 * directory was read (to be skipped).
 */
export interface PackedScan {
  paths: string[];
  stats: Float64Array;
}

/**
 * {@link PackedScan} of the whole tree. The directories are read now, on this thread, in index
 * order; the files found go to worker threads to be lstat'ed as the walk goes on (lstat-many.ts,
 * git's preload-index). The promise settles when the lstats are done, so the caller can read the
 * index meanwhile.
 */
export function scanWorktreePacked(workdir: string): Promise<PackedScan> {
  const batches = new LstatBatches(workdir);
  const scan = new Scan(workdir, true, (path) => batches.add(path));
  try {
    scan.visit('', baseLevels(workdir));
  } catch (err) {
    batches.cancel();
    throw err;
  }
  return batches.finish().then((stats) => ({ paths: batches.paths, stats }));
}

/** {@link scanWorktree} of the whole tree with the lstats done as {@link scanWorktreePacked} does them. */
export async function scanWorktreeParallel(workdir: string): Promise<WorktreeFile[]> {
  const packed = await scanWorktreePacked(workdir);
  const out: WorktreeFile[] = [];
  for (let i = 0; i < packed.paths.length; i++) {
    const file = packedFile(packed, i);
    if (file) out.push(file);
  }
  return out;
}

/** File `i` of a packed scan as an object (undefined when it is gone, or neither a file nor a symlink). */
export function packedFile({ paths, stats }: PackedScan, i: number): WorktreeFile | undefined {
  const at = i * STAT_FIELDS;
  const kind = stats[at + Field.Kind];
  if (kind === PackedKind.Other) return undefined;
  return {
    path: paths[i], kind: kind === PackedKind.File ? 'file' : 'symlink', mode: stats[at + Field.Mode], size: stats[at + Field.Size],
    mtimeNs: packedMtimeNs(stats, i), ctimeNs: packedCtimeNs(stats, i), ino: stats[at + Field.Ino], dev: stats[at + Field.Dev],
    uid: stats[at + Field.Uid], gid: stats[at + Field.Gid],
  };
}

/** True when `path` (normalised, relative) is excluded by `.gitignore` / `info/exclude`, or lies in an excluded directory. */
export function isIgnored(workdir: string, path: string): boolean {
  if (path === '') return false;
  const scan = new Scan(workdir, true);
  const parent = scan.parentOf(path, baseLevels(workdir));
  if (parent.excluded) return true;
  const isDir = parent.real && lstatOrUndefined(join(workdir, path))?.isDirectory() === true;
  return excluded(parent.levels, path, isDir);
}

function inside(root: string, abs: string): string | undefined {
  const rel = relative(root, abs);
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? undefined : rel;
}

/** `userPath` (relative to `cwd`, or absolute) as a '/'-separated path relative to `workdir` ('' for the root). */
export function normalizeRepoPath(workdir: string, cwd: string, userPath: string): string {
  let rel = inside(resolve(workdir), resolve(cwd, userPath));
  if (rel === undefined) {
    try {
      // cwd is often the real path of a workdir named through a symlink (or the other way round)
      rel = inside(realpathSync(workdir), resolve(realpathSync(cwd), userPath));
    } catch {
      // a directory that does not exist cannot contain the path
    }
  }
  if (rel === undefined) {
    throw new UsageError(`path ${userPath} is outside the repository`, { data: { path: userPath } }, 'outside_repo');
  }
  const parts = rel.split(sep).filter((p) => p !== '');
  if (parts.some((p) => p.toLowerCase() === '.git')) {
    throw new UsageError(`path ${userPath} is inside the .git directory`, { data: { path: userPath } }, 'inside_git_dir');
  }
  return parts.join('/');
}
