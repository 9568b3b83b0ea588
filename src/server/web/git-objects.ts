/**
 * Long-running object readers for the web pages: per repository one `git cat-file --batch-check`
 * (what a name is: type and size) and one `git cat-file --batch` (its content), started on first
 * use and kept while the repository is looked at, so that a page's lookups, commits and small
 * blobs cost a line on a pipe instead of a new git process (starting one blocks the event loop
 * for the fork of the whole server, several milliseconds). Requests are written in order and
 * answered in order, so any number may be in flight. At most {@link GitObjectsOptions.repos}
 * idle repositories keep readers; one unused for {@link GitObjectsOptions.idleMs} is stopped. A reader
 * whose git exits fails its requests and is started again by the next one. git finds objects a
 * push added after it started (it rescans the packs when a name is missing).
 *
 * Names are object ids git printed, `<commit>:<path>` with a path that has no newline, or a
 * revision {@link checkRevision} accepted: git reads them from stdin, never as arguments.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { BareRepo, spawnGit } from '../git-read.js';
import { blobPrefix } from './git-history.js';

/** An object git found: id, type, size, and (from {@link GitObjects.contents}) its bytes. */
export interface FoundObject {
  oid: string;
  type: 'blob' | 'tree' | 'commit' | 'tag';
  size: number;
}

/** Options of the readers. */
export interface GitObjectsOptions {
  /** Repositories with readers at once (default 8; each has up to two git processes); more while busy. */
  repos?: number;
  /** A repository's readers stop after this long unused (default 60 s). */
  idleMs?: number;
}

const OBJECT_LINE = /^([0-9a-f]{40,64}) (blob|tree|commit|tag) (\d+)$/;

interface Pending {
  count: number;
  found: Array<(FoundObject & { content?: Buffer }) | undefined>;
  resolve: (found: Array<(FoundObject & { content?: Buffer }) | undefined>) => void;
  reject: (err: Error) => void;
}

/** One `git cat-file --batch[-check]` answering requests in order. */
class CatFile {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  private buf: Buffer = Buffer.alloc(0);
  /** Output received while the record at the head of `buf` is incomplete (joined once it is whole). */
  private parts: Buffer[] = [];
  private have = 0;
  /** Bytes the record at the head of `buf` needs before it can be parsed. */
  private need = 0;
  private failed?: Error;

  constructor(dir: string, private readonly withContent: boolean) {
    this.child = spawnGit(dir, ['cat-file', withContent ? '--batch' : '--batch-check']);
    this.child.stdout.on('data', (b: Buffer) => this.onData(b));
    this.child.stderr.resume();
    this.child.stdin.on('error', () => {}); // reported by 'close'
    this.child.on('error', (e) => this.fail(new Error(`git cat-file: ${e.message}`)));
    this.child.on('close', (code, signal) => this.fail(new Error(`git cat-file stopped (${signal ?? `exit ${code}`})`)));
  }

  /** Whether git still runs. */
  get alive(): boolean {
    return this.failed === undefined;
  }

  /** Whether requests are waiting for answers. */
  get busy(): boolean {
    return this.pending.length > 0;
  }

  /** What each of `names` is (undefined when missing or ambiguous), in order. */
  request(names: string[]): Promise<Array<(FoundObject & { content?: Buffer }) | undefined>> {
    if (this.failed) return Promise.reject(this.failed);
    if (names.length === 0) return Promise.resolve([]);
    for (const n of names) if (n.includes('\n') || n === '') return Promise.reject(new Error(`git cat-file: not an object name: ${JSON.stringify(n)}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ count: names.length, found: [], resolve, reject });
      this.child.stdin.write(names.map((n) => `${n}\n`).join(''));
    });
  }

  /** Stops git; pending requests fail. */
  stop(): void {
    this.fail(new Error('git cat-file stopped'));
    this.child.kill();
  }

  private onData(b: Buffer): void {
    if (this.parts.length === 0) this.parts.push(this.buf);
    this.parts.push(b);
    this.have += b.length;
    if (this.have < this.need) return; // a large object still arriving: joined once, when whole
    this.buf = this.parts.length === 2 && this.parts[0].length === 0 ? b : Buffer.concat(this.parts);
    this.parts = [];
    this.need = 0;
    try {
      this.parse();
    } catch (err) {
      this.fail(err as Error);
      this.child.kill();
    }
  }

  /** Takes every whole record off `buf`. */
  private parse(): void {
    let at = 0;
    while (this.pending.length > 0) {
      const nl = this.buf.indexOf(0x0a, at);
      if (nl < 0) break;
      const m = OBJECT_LINE.exec(this.buf.toString('latin1', at, nl));
      let record: (FoundObject & { content?: Buffer }) | undefined;
      let next = nl + 1;
      if (m) {
        record = { oid: m[1], type: m[2] as FoundObject['type'], size: Number(m[3]) };
        if (this.withContent) {
          const end = nl + 1 + record.size;
          if (this.buf.length < end + 1) {
            this.need = end + 1 - at;
            break;
          }
          if (this.buf[end] !== 0x0a) throw new Error('git cat-file --batch: unexpected output');
          record.content = Buffer.from(this.buf.subarray(nl + 1, end)); // a copy: the pipe's buffer is not kept
          next = end + 1;
        }
      } else if (!/ (missing|ambiguous)$/.test(this.buf.toString('utf8', at, nl))) throw new Error('git cat-file: unexpected output');
      at = next;
      const head = this.pending[0];
      head.found.push(record);
      if (head.found.length === head.count) {
        this.pending.shift();
        head.resolve(head.found);
      }
    }
    this.buf = at >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(at);
    this.have = this.buf.length;
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    for (const p of this.pending.splice(0)) p.reject(err);
  }
}

interface Readers {
  check?: CatFile;
  batch?: CatFile;
  timer?: NodeJS.Timeout;
}

/** The object readers of one repository. */
export interface RepoObjects {
  /** Type and size of each of `names` (undefined when missing). */
  info(names: string[]): Promise<Array<FoundObject | undefined>>;
  /** Type, size and bytes of each of `names` (meant for small objects: each is held in memory). */
  contents(names: string[]): Promise<Array<(FoundObject & { content: Buffer }) | undefined>>;
  /** The first `max` bytes of blob `oid`: a small blob through the reader, a larger one streamed by its own git (stopped after `max`). */
  blobHead(oid: string, max: number): Promise<Buffer>;
}

/** Blobs read whole through the long-running reader (larger ones are streamed, up to what is asked). */
export const SMALL_BLOB_BYTES = 2 << 20;

/** The object readers of every repository the pages look at. */
export class GitObjects {
  private readonly repos = new Map<string, Readers>();
  private closed = false;

  constructor(private readonly opts: GitObjectsOptions = {}) {}

  /** The readers of the repository at `dir`. */
  of(dir: string): RepoObjects {
    const info = async (names: string[]) => (names.length === 0 ? [] : await this.reader(dir, false).request(names));
    const contents = async (names: string[]) => (names.length === 0 ? [] : ((await this.reader(dir, true).request(names)) as Array<(FoundObject & { content: Buffer }) | undefined>));
    return {
      info,
      contents,
      async blobHead(oid, max) {
        const [found] = await info([oid]);
        if (found?.type !== 'blob') throw new Error(`git cat-file: blob ${oid} is missing`);
        if (found.size > SMALL_BLOB_BYTES) return blobPrefix(new BareRepo(dir), oid, max);
        return (await contents([oid]))[0]!.content.subarray(0, max);
      },
    };
  }

  /** Stops every reader. */
  close(): void {
    this.closed = true;
    for (const dir of [...this.repos.keys()]) this.stop(dir);
  }

  private reader(dir: string, withContent: boolean): CatFile {
    if (this.closed) throw new Error('the server is stopping');
    let r = this.repos.get(dir);
    if (r) this.repos.delete(dir); // most recently used last
    r ??= {};
    this.repos.set(dir, r);
    const key = withContent ? 'batch' : 'check';
    let cat = r[key];
    if (!cat?.alive) cat = r[key] = new CatFile(dir, withContent);
    this.idleTimer(dir, r);
    // the least recently used idle ones go (a busy one stays until its answers are in)
    for (const [old, o] of this.repos) {
      if (this.repos.size <= (this.opts.repos ?? 8)) break;
      if (old !== dir && !o.check?.busy && !o.batch?.busy) this.stop(old);
    }
    return cat;
  }

  private idleTimer(dir: string, r: Readers): void {
    clearTimeout(r.timer);
    r.timer = setTimeout(() => (r.check?.busy || r.batch?.busy ? this.idleTimer(dir, r) : this.stop(dir)), this.opts.idleMs ?? 60_000).unref();
  }

  private stop(dir: string): void {
    const r = this.repos.get(dir);
    if (!r) return;
    this.repos.delete(dir);
    clearTimeout(r.timer);
    r.check?.stop();
    r.batch?.stop();
  }
}
