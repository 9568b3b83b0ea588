/**
 * The git object database of a repository: writes loose objects atomically (deflate, tmp +
 * rename) and reads any object (loose or packed) through isomorphic-git.
 */
import fs from 'node:fs';
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { isoGit } from './iso-git.js';
import { IntegrityError, NotFoundError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { compareIndexPaths } from '../formats/git-index-path.js';
import { pointerOf } from '../formats/lfs-pointer.js';
import { decodeTree, encodeCommit, encodeTree, frameObject, objectId, treeNameProblem, unframeObject, type CommitFields, type GitObjectType, type TreeEntry } from '../formats/git-object.js';

/** Writes a loose object unless it exists; returns its id. */
export function writeObject(gitdir: string, type: GitObjectType, payload: Uint8Array): string {
  const oid = objectId(type, payload);
  const dir = join(gitdir, 'objects', oid.slice(0, 2));
  const path = join(dir, oid.slice(2));
  if (existsSync(path)) return oid;
  // Level 1, git's core.looseCompression default. Not fsynced, like git's default
  // (core.fsyncObjectFiles=false): see fs/atomic-file.ts. The temporary file goes to .git/hub/tmp,
  // where a locked session removes what a killed one left.
  writeFileAtomic(path, deflateSync(frameObject(type, payload), { level: 1 }), { mode: 0o444, durable: false, tmpDir: join(gitdir, 'hub', 'tmp') });
  return oid;
}

/** Writes a blob. */
export function writeBlob(gitdir: string, content: Uint8Array): string {
  return writeObject(gitdir, 'blob', content);
}

/** Writes a tree. */
export function writeTree(gitdir: string, entries: readonly TreeEntry[]): string {
  return writeObject(gitdir, 'tree', encodeTree(entries));
}

/** Writes a commit. */
export function writeCommit(gitdir: string, fields: CommitFields): string {
  return writeObject(gitdir, 'commit', encodeCommit(fields));
}

/**
 * A loose object read directly (inflate, header, SHA-1 checked against its name), or undefined
 * when it is not loose (then it is packed, and isomorphic-git reads it). Per object this is a
 * small fraction of isomorphic-git's cost, which matters when a checkout writes 100,000 files.
 */
function readLoose(gitdir: string, oid: string, type: 'blob' | 'tree' | 'commit'): Uint8Array | undefined {
  let deflated: Buffer;
  try {
    deflated = readFileSync(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const corrupt = (why: string) => new IntegrityError(`git object ${oid} is corrupt: ${why}`, { hint: "run 'git fsck'", data: { oid } }, 'corrupt_object');
  let framed: Buffer;
  try {
    framed = inflateSync(deflated);
  } catch {
    throw corrupt('it does not inflate');
  }
  if (createHash('sha1').update(framed).digest('hex') !== oid) throw corrupt('its content does not hash to its name');
  let object;
  try {
    object = unframeObject(framed);
  } catch (err) {
    throw corrupt((err as Error).message);
  }
  if (object.type !== type) throw new NotFoundError(`${type} ${oid} not found (it is a ${object.type})`, { data: { oid } }, 'object_not_found');
  return object.payload;
}

/** Reads a blob's content. */
export async function readBlob(gitdir: string, oid: string): Promise<Uint8Array> {
  const loose = readLoose(gitdir, oid, 'blob');
  if (loose) return loose;
  try {
    const { blob } = await (await isoGit()).readBlob({ fs, gitdir, oid });
    return blob;
  } catch (err) {
    throw notFound(err, `blob ${oid}`);
  }
}

/** The LFS pointer (oid, size) a blob holds, or undefined when it is not one. */
export async function readPointerBlob(gitdir: string, oid: string): Promise<{ oid: string; size: number } | undefined> {
  return pointerOf(await readBlob(gitdir, oid));
}

/** A parsed commit. */
export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; timestamp: number; timezoneOffset: number };
  committer: { name: string; email: string; timestamp: number; timezoneOffset: number };
  message: string;
}

/** Reads a commit. */
export async function readCommit(gitdir: string, oid: string): Promise<CommitInfo> {
  try {
    const { commit } = await (await isoGit()).readCommit({ fs, gitdir, oid });
    return { oid, tree: commit.tree, parents: commit.parent, author: commit.author, committer: commit.committer, message: commit.message };
  } catch (err) {
    throw notFound(err, `commit ${oid}`);
  }
}

/** The tree id of a commit: read from the loose object when it is one (no isomorphic-git), else as readCommit does. */
export async function readCommitTree(gitdir: string, oid: string): Promise<string> {
  const loose = readLoose(gitdir, oid, 'commit');
  if (!loose) return (await readCommit(gitdir, oid)).tree;
  const m = /^tree ([0-9a-f]{40})\n/.exec(Buffer.from(loose.subarray(0, 46)).toString('latin1'));
  if (!m) throw new IntegrityError(`commit ${oid} is corrupt: it does not start with its tree`, { data: { oid } }, 'corrupt_object');
  return m[1];
}

/** A file of a flattened tree. */
export interface TreeFile {
  path: string;
  mode: number;
  oid: string;
}

/**
 * The entries of one tree object, names checked as isomorphic-git checks them (IntegrityError
 * 'unsafe_path' naming `prefix/name`). `cache` is isomorphic-git's pack cache, shared by the
 * reads of one walk.
 */
export async function readTreeEntries(gitdir: string, oid: string, prefix = '', cache: object = {}): Promise<TreeEntry[]> {
  const loose = readLoose(gitdir, oid, 'tree');
  if (!loose) {
    try {
      const { tree } = await (await isoGit()).readTree({ fs, gitdir, oid, cache });
      return tree.map((e) => ({ name: e.path, mode: Number.parseInt(e.mode, 8), oid: e.oid }));
    } catch (err) {
      throw notFound(err, `tree ${oid}`);
    }
  }
  let entries: TreeEntry[];
  try {
    entries = decodeTree(loose);
  } catch (err) {
    throw new IntegrityError(`tree ${oid} is corrupt: ${(err as Error).message}`, { cause: err, data: { oid } }, 'corrupt_object');
  }
  for (const e of entries) {
    const problem = treeNameProblem(e.name);
    if (problem) {
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      throw new IntegrityError(`refusing to check out unsafe path '${path}' from tree ${oid}: it ${problem}`, { data: { path } }, 'unsafe_path');
    }
  }
  return entries;
}

/**
 * Every non-tree entry below `tree`, with full '/'-joined paths, in git index order. Names are
 * returned as stored: callers that write to disk must validate them (see repo/safe-path.ts).
 */
export async function flattenTree(gitdir: string, tree: string): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  const cache = {};
  const walk = async (oid: string, prefix: string): Promise<void> => {
    for (const e of await readTreeEntries(gitdir, oid, prefix, cache)) {
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.mode === 0o40000) await walk(e.oid, path);
      else out.push({ path, mode: e.mode, oid: e.oid });
    }
  };
  await walk(tree, '');
  // a walk in tree order is index order already (git sorts a tree name as if it ended in '/')
  return out.sort((a, b) => compareIndexPaths(a.path, b.path));
}

/** Writes the nested trees for a flat file list; returns the root tree id. */
export function writeTreeFromFiles(gitdir: string, files: readonly TreeFile[]): string {
  interface Dir { files: TreeEntry[]; dirs: Map<string, Dir> }
  const root: Dir = { files: [], dirs: new Map() };
  for (const f of files) {
    const parts = f.path.split('/');
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let next = dir.dirs.get(part);
      if (!next) dir.dirs.set(part, (next = { files: [], dirs: new Map() }));
      dir = next;
    }
    dir.files.push({ name: parts[parts.length - 1], mode: f.mode, oid: f.oid });
  }
  const write = (dir: Dir): string => {
    const entries = [...dir.files];
    for (const [name, sub] of dir.dirs) entries.push({ name, mode: 0o40000, oid: write(sub) });
    return writeTree(gitdir, entries);
  };
  return write(root);
}

function notFound(err: unknown, what: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'UnsafeFilepathError') {
    // isomorphic-git refuses `..`, `.git` and '/' in tree entry names while parsing
    const path = (err as { data?: { filepath?: string } }).data?.filepath ?? '?';
    return new IntegrityError(`refusing to check out unsafe path '${path}' from ${what}`, { cause: err, data: { path } }, 'unsafe_path');
  }
  if (code === 'NotFoundError' || code === 'ENOENT') return new NotFoundError(`${what} not found`, { cause: err }, 'object_not_found');
  return err;
}
