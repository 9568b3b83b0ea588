/**
 * Facts about repositories that the listing pages show for many repositories at once: the commit
 * a branch points at (read from the ref files, no git process), that commit's details, and the
 * repository's size at that commit (file count, bytes with large files at their real size).
 * Commits are immutable, so details and sizes are cached by commit id: a listing costs a few
 * file reads per repository once each commit has been seen.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { looksLikePointer, parsePointer } from '../../formats/lfs-pointer.js';
import { runGit, type BareRepo } from '../git-read.js';
import { readCommits, type CommitDetails } from './git-history.js';

/** Size of a repository at a commit. */
export interface RepoSize {
  files: number;
  /** Bytes of every file, large files at their real size. */
  bytes: number;
  /** Files committed as Git LFS pointers. */
  largeFiles: number;
}

/** A map that forgets its least recently used entries beyond `capacity`. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
/** Entries parsed between two yields to the event loop. */
const PARSE_SLICE = 5000;

/** Caches of commit details and sizes, shared by every page of a server. */
export class RepoFacts {
  private readonly commits = new Lru<string, CommitDetails>(4096);
  private readonly sizes = new Lru<string, Promise<RepoSize>>(1024);

  /**
   * The commit `HEAD` points at, from the ref files (`HEAD`, `refs/heads/...`, `packed-refs`);
   * undefined for an empty repository. Falls back to git for anything unusual.
   */
  async headCommit(bare: BareRepo): Promise<string | undefined> {
    try {
      const head = (await readFile(join(bare.dir, 'HEAD'), 'utf8')).trim();
      if (SHA.test(head)) return head;
      const m = /^ref: (refs\/heads\/[^\s]+)$/.exec(head);
      if (!m || m[1].split('/').some((s) => s === '..' || s === '')) throw new Error('unusual HEAD');
      try {
        const loose = (await readFile(join(bare.dir, m[1]), 'utf8')).trim();
        if (SHA.test(loose)) return loose;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      let packed = '';
      try {
        packed = await readFile(join(bare.dir, 'packed-refs'), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      for (const line of packed.split('\n')) {
        const [oid, ref] = line.split(' ');
        if (ref === m[1] && SHA.test(oid)) return oid;
      }
      return undefined; // unborn branch: an empty repository
    } catch {
      return (await bare.resolve('HEAD'))?.id;
    }
  }

  /** Details of commit `id` (an id git printed or a ref file held). */
  async commit(bare: BareRepo, id: string): Promise<CommitDetails> {
    const hit = this.commits.get(id);
    if (hit) return hit;
    const [details] = await readCommits(bare, [id]);
    this.commits.set(id, details);
    return details;
  }

  /** The size of the repository at commit `id`: one `git ls-tree -r -l`, pointers read for small blobs. */
  size(bare: BareRepo, id: string): Promise<RepoSize> {
    const key = `${bare.dir}\0${id}`;
    let s = this.sizes.get(key);
    if (!s) {
      s = measure(bare, id);
      s.catch(() => undefined);
      this.sizes.set(key, s);
    }
    return s;
  }
}

async function measure(bare: BareRepo, id: string): Promise<RepoSize> {
  if (!SHA.test(id)) throw new Error(`not a commit id: ${id}`);
  const records = (await runGit(bare.dir, ['ls-tree', '-r', '-l', '-z', id])).toString('utf8').split('\0');
  const size: RepoSize = { files: 0, bytes: 0, largeFiles: 0 };
  const candidates: string[] = [];
  for (let i = 0; i < records.length; i++) {
    if (i % PARSE_SLICE === PARSE_SLICE - 1) await yieldToLoop();
    const rec = records[i];
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, oid, bytes] = rec.slice(0, tab).split(/ +/);
    if (type !== 'blob') continue;
    size.files++;
    const n = Number(bytes);
    size.bytes += n;
    // an LFS pointer is 120 to 1023 bytes; symbolic links are never pointers
    if (n >= 120 && n < 1024 && mode !== '120000') candidates.push(oid);
  }
  const blobs = await bare.readBlobs(candidates);
  for (let i = 0; i < blobs.length; i++) {
    if (!looksLikePointer(blobs[i])) continue;
    try {
      const p = parsePointer(blobs[i]);
      size.bytes += p.size - blobs[i].length;
      size.largeFiles++;
    } catch {
      // an ordinary small file that starts like a pointer
    }
  }
  return size;
}
