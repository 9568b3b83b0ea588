/**
 * The staged attributes (what the index's `.gitattributes` blobs say), which `hub status` and
 * `hub add` compare with the working ones, and what `hub add` does so that a commit is always
 * consistent with its own `.gitattributes`, and so a fresh clone (by hub or by git with git-lfs)
 * is clean:
 *
 * - every `.gitattributes` that decides about a file staged as large (the root one and those in
 *   the file's directories) is staged with it when it is new or modified, as the Hugging Face
 *   tools commit the pattern together with the file;
 * - when that changes the staged attributes, every other tracked file whose large-or-not answer
 *   changed with them is staged again from its working copy (as `git add --renormalize` does),
 *   so no committed blob disagrees with the committed attributes.
 */
import { AttributeMatcher, parseGitattributes } from '../../formats/gitattributes.js';
import { readBlob } from '../../repo/object-store.js';
import { isAttributesPath } from './worktree-hash.js';
import type { RepoSession } from './repo-session.js';

/** The `.gitattributes` paths that can decide attributes for `path`: the root one, then one per enclosing directory. */
export function attributeFilesFor(path: string): string[] {
  const out = ['.gitattributes'];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(`${path.slice(0, i)}/.gitattributes`);
  return out;
}

/** path -> blob id of every staged `.gitattributes`. */
export function stagedAttributeBlobs(s: RepoSession): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, e] of s.index) if (isAttributesPath(path)) out.set(path, e.oid);
  return out;
}

/** The attributes a checkout of the index would have: the staged `.gitattributes` files (`blobs`, from {@link stagedAttributeBlobs}). */
export async function attributesOfBlobs(s: RepoSession, blobs: ReadonlyMap<string, string>): Promise<AttributeMatcher> {
  const sources = [];
  for (const [path, oid] of blobs) {
    const text = Buffer.from(await readBlob(s.paths.gitdir, oid)).toString('utf8');
    sources.push({ base: path === '.gitattributes' ? '' : path.slice(0, -'/.gitattributes'.length), rules: parseGitattributes(text) });
  }
  return new AttributeMatcher(sources);
}

/** True when two staged-attribute maps differ. */
export function attributeBlobsDiffer(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return true;
  for (const [path, oid] of a) if (b.get(path) !== oid) return true;
  return false;
}

/**
 * The tracked regular files (stage 0, not symlinks or gitlinks) whose large-or-not answer differs
 * between the attributes `before` and `after`, except those in `skip` (staged by this add from the
 * working tree already). One pass over the index: O(files x rules).
 */
export function filesWhoseLargenessChanged(s: RepoSession, before: AttributeMatcher, after: AttributeMatcher, skip: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [path, e] of s.index) {
    if (skip.has(path) || (e.mode !== 0o100644 && e.mode !== 0o100755)) continue;
    if (before.isLfs(path) !== after.isLfs(path)) out.push(path);
  }
  return out;
}
