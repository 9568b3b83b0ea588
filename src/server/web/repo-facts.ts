/**
 * What the pages read from bare repositories, cached. Everything named by an object id is
 * immutable (a commit's details, a tree's entries, whether a blob is an LFS pointer, which
 * commit last changed a path up to a commit, a page of history, a merge base), so it is kept in
 * bounded LRU caches and a second view of a page starts no git process. Objects are read through
 * the long-running readers of git-objects.ts; listings, history and merge bases by one git each. Branches and tags are read from the ref files (ref-files.ts), not cached: a push
 * shows at once. Anything unusual falls back to asking git.
 */
import { checkRevision, type BareRepo, type PathObject, type TreeItem } from '../git-read.js';
import { HttpError } from '../http-util.js';
import { commitsBetween, history, listRefs, mergeBase, parseCommit, type CommitDetails, type RefInfo } from './git-history.js';
import type { GitObjects } from './git-objects.js';
import { Lru } from './lru.js';
import { pointerOf } from '../../formats/lfs-pointer.js';
import { readRefFiles } from './ref-files.js';

/** A tree entry as the pages show it: a large file at its real size with its LFS oid. */
export interface Entry extends TreeItem {
  lfs?: { oid: string; size: number };
}

/** Branches and tags, and the branch HEAD names. */
export interface Refs {
  branches: RefInfo[];
  tags: RefInfo[];
  head?: string;
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const HEX_PREFIX = /^[0-9a-f]{4,64}$/;
/** Commits {@link RepoFacts.lastCommit} walks before it asks git log. */
const LAST_COMMIT_WALK = 16;

/** The cached reads of every page of a server. */
export class RepoFacts {
  private readonly commits = new Lru<string, CommitDetails>(8192);
  private readonly peeled = new Lru<string, string>(8192);
  private readonly lookups = new Lru<string, PathObject | null>(16384);
  private readonly trees = new Lru<string, TreeItem[]>(400_000);
  private readonly pointers = new Lru<string, { oid: string; size: number } | null>(400_000);
  private readonly lasts = new Lru<string, string | null>(16384);
  private readonly histories = new Lru<string, { ids: string[]; more: boolean }>(100_000);
  private readonly bases = new Lru<string, string | null>(4096);
  private readonly heads = new Lru<string, Buffer>(32 << 20);

  /** `objects` reads objects through long-running git processes (git-objects.ts). */
  constructor(private readonly objects: GitObjects) {}

  /** Branches and tags (tags peeled to commits), by name; HEAD's branch. */
  async refs(bare: BareRepo): Promise<Refs> {
    let files;
    try {
      files = await readRefFiles(bare.dir);
    } catch {
      return listRefs(bare);
    }
    const branches: RefInfo[] = [];
    const tags: RefInfo[] = [];
    const tagRefs: Array<[string, string]> = [];
    for (const [ref, oid] of [...files.refs].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
      if (ref.startsWith('refs/heads/')) branches.push({ name: ref.slice(11), commit: oid });
      else tagRefs.push([ref.slice(10), oid]);
    }
    const commits = await this.peel(bare, tagRefs.map(([, oid]) => oid));
    tagRefs.forEach(([name], i) => commits[i] && tags.push({ name, commit: commits[i]! }));
    return { branches, tags, head: files.headRef?.slice(11) };
  }

  /** The commit `HEAD` names; undefined for an empty repository. */
  async headCommit(bare: BareRepo): Promise<string | undefined> {
    return this.resolve(bare, 'HEAD');
  }

  /**
   * The commit `rev` names: `HEAD`, a full ref, a branch, a tag, or a commit id (full or
   * abbreviated); undefined when none. 400 for what cannot be a revision.
   */
  async resolve(bare: BareRepo, rev: string): Promise<string | undefined> {
    const why = checkRevision(rev);
    if (why !== undefined) throw new HttpError(400, `invalid revision ${JSON.stringify(rev.slice(0, 100))}: ${why}`);
    let files;
    try {
      files = await readRefFiles(bare.dir);
    } catch {
      return (await bare.resolve(rev))?.id;
    }
    if (rev === 'HEAD') return files.headOid ?? (files.headRef ? files.refs.get(files.headRef) : undefined);
    for (const ref of rev.startsWith('refs/') ? [rev] : [`refs/heads/${rev}`, `refs/tags/${rev}`]) {
      const oid = files.refs.get(ref);
      if (oid) return ref.startsWith('refs/tags/') ? (await this.peel(bare, [oid]))[0] : oid;
    }
    if (SHA.test(rev) && this.commits.get(`${bare.dir}\0${rev}`)) return rev;
    if (!HEX_PREFIX.test(rev) && !rev.startsWith('refs/')) return undefined;
    const found = await bare.resolve(rev);
    return found?.id;
  }

  /** The commit `rev` names, or the 404 of a revision that does not exist. */
  async commitOf(bare: BareRepo, rev: string): Promise<string> {
    const id = await this.resolve(bare, rev);
    if (!id) throw new HttpError(404, `No revision ${rev} in this repository.`);
    return id;
  }

  /** Details of commits (ids git printed or refs held), in order. */
  async commitsById(bare: BareRepo, ids: string[]): Promise<CommitDetails[]> {
    const missing = [...new Set(ids.filter((id) => !this.commits.get(`${bare.dir}\0${id}`)))];
    const found = await this.objects.of(bare.dir).contents(missing);
    missing.forEach((id, i) => {
      const o = found[i];
      if (o?.type !== 'commit') throw new Error(`git cat-file: ${id} is not a commit`);
      this.commits.set(`${bare.dir}\0${id}`, parseCommit(o.oid, o.content));
    });
    return ids.map((id) => this.commits.get(`${bare.dir}\0${id}`)!);
  }

  /** Details of one commit. */
  async commit(bare: BareRepo, id: string): Promise<CommitDetails> {
    return (await this.commitsById(bare, [id]))[0];
  }

  /** What `path` names in `commit` ('' is the root tree). */
  async lookup(bare: BareRepo, commit: string, path: string): Promise<PathObject | undefined> {
    const key = `${bare.dir}\0${commit}\0${path}`;
    const hit = this.lookups.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const [o] = path.includes('\n') ? [undefined] : await this.objects.of(bare.dir).info([`${commit}:${path}`]);
    const found = o ? { type: o.type, oid: o.oid, size: o.size } : undefined;
    this.lookups.set(key, found ?? null);
    return found;
  }

  /** The entries of tree `treeOid` (one level) at `prefix`, with blob sizes. */
  async listTree(bare: BareRepo, treeOid: string, prefix: string): Promise<TreeItem[]> {
    const key = `${bare.dir}\0${treeOid}\0${prefix}`;
    const hit = this.trees.get(key);
    if (hit) return hit;
    // one git ls-tree: the long-running reader answers a line at a time, slow for 10,000 sizes
    const items = (await bare.listTree(treeOid, prefix, false)).filter((i) => i.type === 'blob' || i.type === 'tree');
    this.trees.set(key, items, items.length + 1);
    return items;
  }

  /** `items` with LFS pointers recognised (their small blobs read once, in one batch). */
  async entries(bare: BareRepo, items: TreeItem[]): Promise<Entry[]> {
    const candidates = items.filter((i) => i.type === 'blob' && i.mode !== '120000' && i.size >= 100 && i.size < 1024);
    const unknown = [...new Set(candidates.filter((i) => this.pointers.get(i.oid) === undefined).map((i) => i.oid))];
    const blobs = await this.objects.of(bare.dir).contents(unknown);
    unknown.forEach((oid, i) => {
      const blob = blobs[i];
      if (!blob) throw new Error(`git cat-file: blob ${oid} is missing`);
      this.pointers.set(oid, pointerOf(blob.content) ?? null);
    });
    return items.map((i) => {
      const lfs = i.type === 'blob' && i.size >= 100 && i.size < 1024 && i.mode !== '120000' ? this.pointers.get(i.oid) : undefined;
      return lfs ? { ...i, lfs } : i;
    });
  }

  /**
   * The commit up to `commit` that last changed `path` ('' is the root tree): what `git log -1
   * commit -- path` prints, found by walking the history as git simplifies it (from a commit
   * whose `path` equals a parent's, on to the first such parent; the answer is the first commit
   * where it differs from every parent) through the object readers, for at most
   * {@link LAST_COMMIT_WALK} commits; past them, git log is asked.
   */
  async lastCommit(bare: BareRepo, commit: string, path: string): Promise<string | undefined> {
    const key = `${bare.dir}\0${commit}\0${path}`;
    const hit = this.lasts.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let found = await this.walkToChange(bare, commit, path);
    if (found === false) found = (await bare.lastCommit(commit, path === '' ? '.' : path))?.id;
    this.lasts.set(key, found ?? null);
    return found;
  }

  private async walkToChange(bare: BareRepo, commit: string, path: string): Promise<string | undefined | false> {
    let c = commit;
    for (let step = 0; step < LAST_COMMIT_WALK; step++) {
      const { parents } = await this.commit(bare, c);
      const here = (await this.lookup(bare, c, path))?.oid;
      if (parents.length === 0) return here === undefined ? undefined : c;
      let same: string | undefined;
      for (const p of parents) {
        if ((await this.lookup(bare, p, path))?.oid === here) {
          same = p;
          break;
        }
      }
      if (same === undefined) return c;
      c = same;
    }
    return false;
  }

  /** A page of history from `commit` (optionally of `path`). */
  async history(bare: BareRepo, commit: string, opts: { skip: number; count: number; path?: string }): Promise<{ commits: CommitDetails[]; more: boolean }> {
    const key = `${bare.dir}\0${commit}\0${opts.path ?? ''}\0${opts.skip}\0${opts.count}`;
    let hit = this.histories.get(key);
    if (!hit) {
      hit = await history(bare, commit, opts);
      this.histories.set(key, hit, hit.ids.length + 1);
    }
    return { commits: await this.commitsById(bare, hit.ids), more: hit.more };
  }

  /** The commits `head` has and `base` lacks, newest first. */
  async between(bare: BareRepo, base: string, head: string, max: number): Promise<{ commits: CommitDetails[]; more: boolean }> {
    const key = `${bare.dir}\0${base}..${head}\0\0\0${max}`;
    let hit = this.histories.get(key);
    if (!hit) {
      hit = await commitsBetween(bare, base, head, max);
      this.histories.set(key, hit, hit.ids.length + 1);
    }
    return { commits: await this.commitsById(bare, hit.ids), more: hit.more };
  }

  /** The merge base of two commits, if any. */
  async mergeBase(bare: BareRepo, a: string, b: string): Promise<string | undefined> {
    const key = `${bare.dir}\0${a}\0${b}`;
    const hit = this.bases.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const found = await mergeBase(bare, a, b);
    this.bases.set(key, found ?? null);
    return found;
  }

  /** The first `max` bytes of blob `oid` (a blob's bytes never change: kept, up to 32 MiB in all). */
  async blobHead(bare: BareRepo, oid: string, max: number): Promise<Buffer> {
    const key = `${oid}\0${max}`;
    const hit = this.heads.get(key);
    if (hit) return hit;
    const bytes = await this.objects.of(bare.dir).blobHead(oid, max);
    this.heads.set(key, bytes, bytes.length + 64);
    return bytes;
  }

  /** The commits that objects `oids` (tags or commits) peel to; undefined for anything else. */
  private async peel(bare: BareRepo, oids: string[]): Promise<Array<string | undefined>> {
    const unknown = [...new Set(oids.filter((o) => this.peeled.get(`${bare.dir}\0${o}`) === undefined))];
    if (unknown.length) {
      const found = await this.objects.of(bare.dir).info(unknown.map((o) => `${o}^{commit}`));
      unknown.forEach((o, i) => this.peeled.set(`${bare.dir}\0${o}`, found[i]?.type === 'commit' ? found[i]!.oid : ''));
    }
    return oids.map((o) => this.peeled.get(`${bare.dir}\0${o}`) || undefined);
  }
}
