/**
 * The pre-receive hook of `hub serve`'s bare repositories (DESIGN.md §4: "the server refuses a
 * push whose pointers name objects it does not hold"). git runs it (dist/server/pre-receive-hook.js,
 * through the `hooks/pre-receive` script bare-repos.ts installs) after receiving a pack and
 * before updating any ref; a non-zero exit refuses the whole push, and what it writes on stderr
 * reaches the pusher as `remote: ...` lines.
 *
 * The pushed objects are not in the repository yet: git keeps them in a quarantine directory and
 * points the hook's environment at it (GIT_QUARANTINE_PATH, GIT_OBJECT_DIRECTORY,
 * GIT_ALTERNATE_OBJECT_DIRECTORIES), so the git commands below, which inherit that environment,
 * see them. `--not --all` then limits the scan to what the push adds: blobs already reachable
 * from a ref were checked when they were pushed.
 *
 * What counts as a pointer (lfs-pointer-reading.ts): every new blob, of any size, whose first
 * 1024 bytes git-lfs would read as a pointer, and every blob hub reads as one. Both readers must
 * agree on it (a blob only one of them reads as a pointer is refused: git-lfs clients would
 * smudge what hub clients check out as text, or the other way round), and the repository must
 * hold the object it names at the size it states.
 */
import { realpathSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { classifyBlob, GIT_LFS_READ_BYTES } from '../formats/lfs-pointer-reading.js';
import { checkLfsObjects, type ObjectSize, type PresenceEnv, type WrongPointer } from './lfs-presence.js';
import { BACKGROUND_NICE } from './background-priority.js';
import { launch, type Launched } from './launcher.js';
import { defaultBranchAfter, setHead } from './default-branch.js';

/** A ref update as git gives it to the hook. */
export interface RefUpdate {
  oldId: string;
  newId: string;
  ref: string;
}

/** An LFS pointer among the pushed blobs. */
export interface PushedPointer {
  oid: string;
  size: number;
  /** The first path the blob was found at, when git reported one. */
  path?: string;
}

/** A pushed blob that git-lfs and hub do not read alike (see the module comment). */
export interface AmbiguousBlob {
  id: string;
  path?: string;
  reason: string;
}

/** Options of {@link runPreReceive}. */
export interface PreReceiveOptions {
  /** The hook's stdin (`<old> <new> <ref>` lines); default process.stdin. */
  input?: NodeJS.ReadableStream | string;
  /** Environment of the git commands and of the presence check; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The repository (git starts hooks in it); default process.cwd(). */
  cwd?: string;
  /** The size at which the repository holds an oid; default: the metadata database (lfs-presence.ts). */
  sizeOf?: ObjectSize;
  /** Where the refusal goes; default process.stderr. */
  stderr?: (text: string) => void;
}

/** How many missing objects the refusal names. */
export const MAX_NAMED = 20;
const OBJECT_ID_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO_ID_RE = /^0+$/;

/** Parses the hook's input; lines that are not `<old> <new> <ref>` are an error. */
export function parseRefUpdates(text: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [oldId, newId, ref] = line.split(' ');
    if (!OBJECT_ID_RE.test(oldId ?? '') || !OBJECT_ID_RE.test(newId ?? '') || !ref) {
      throw new Error(`unexpected pre-receive input line ${JSON.stringify(line.slice(0, 200))}`);
    }
    updates.push({ oldId, newId, ref });
  }
  return updates;
}

/** Starts git at the background priority: through the server's launcher when the check runs in `hub serve` (launcher.ts), else spawned. */
function git(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Launched> {
  return launch('git', args, { env, cwd, nice: BACKGROUND_NICE });
}

/** Resolves when `child` exits 0; rejects with its stderr otherwise. */
function succeeded(child: Launched, what: string): Promise<void> {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new Error(`${what}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${what} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** The blobs the updates bring in, with their size and a path each. */
async function newBlobs(newIds: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Array<{ id: string; size: number; path: string }>> {
  // rev-list --objects prints `<id> <path>` (the path empty for commits); cat-file with %(rest)
  // echoes the path, so one pipe gives type, size and path of every new object
  const [revList, check] = await Promise.all([
    git(['rev-list', '--objects', '--stdin', '--not', '--all'], env, cwd),
    git(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize) %(rest)'], env, cwd),
  ]);
  const done = Promise.all([succeeded(revList, 'git rev-list'), succeeded(check, 'git cat-file --batch-check')]);
  done.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled
  revList.stdin.on('error', () => {}); // reported through its exit status
  check.stdin.on('error', () => {});
  revList.stdout.pipe(check.stdin);
  revList.stdin.end(newIds.map((id) => `${id}\n`).join(''));
  const blobs: Array<{ id: string; size: number; path: string }> = [];
  for await (const line of createInterface({ input: check.stdout, crlfDelay: Infinity })) {
    const m = /^(\S+) (\S+) (\d+) ?(.*)$/.exec(line);
    if (m && m[2] === 'blob' && m[3] !== '0') blobs.push({ id: m[1], size: Number(m[3]), path: m[4] });
  }
  await done;
  return blobs;
}

/**
 * Reads the first {@link GIT_LFS_READ_BYTES} bytes of each blob of `ids` with one
 * `git cat-file --batch`, calling `onHead` in order; the rest of each blob streams past unkept.
 */
async function readHeads(ids: string[], env: NodeJS.ProcessEnv, cwd: string, onHead: (index: number, head: Buffer, size: number) => void): Promise<void> {
  const cat = await git(['cat-file', '--batch'], env, cwd);
  const done = succeeded(cat, 'git cat-file --batch');
  done.catch(() => {}); // awaited below
  cat.stdin.on('error', () => {});
  cat.stdin.end(ids.map((id) => `${id}\n`).join(''));
  // output per object: `<id> <type> <size>\n<content>\n`; `header` collects a header line,
  // then `left` counts the content bytes (and the newline) still to come
  let header = '';
  let left = -1;
  let size = 0;
  let head: Buffer[] = [];
  let kept = 0;
  let index = 0;
  for await (const chunk of cat.stdout as AsyncIterable<Buffer>) {
    let at = 0;
    while (at < chunk.length) {
      if (left < 0) {
        const nl = chunk.indexOf(0x0a, at);
        header += chunk.subarray(at, nl < 0 ? chunk.length : nl).toString('latin1');
        if (header.length > 200) throw new Error('git cat-file --batch: unexpected output');
        if (nl < 0) break;
        at = nl + 1;
        const m = /^\S+ (\S+) (\d+)$/.exec(header);
        if (!m) throw new Error(`git cat-file --batch: unexpected output ${JSON.stringify(header)}`);
        size = Number(m[2]);
        left = size + 1;
        header = '';
        head = [];
        kept = 0;
        continue;
      }
      const take = Math.min(left, chunk.length - at);
      const want = Math.min(take, Math.max(0, Math.min(GIT_LFS_READ_BYTES, size) - kept));
      if (want > 0) {
        head.push(chunk.subarray(at, at + want));
        kept += want;
      }
      at += take;
      left -= take;
      if (left === 0) {
        onHead(index++, Buffer.concat(head), size);
        left = -1;
      }
    }
  }
  await done;
  if (index !== ids.length) throw new Error(`git cat-file --batch: read ${index} of ${ids.length} blobs`);
}

/** The LFS pointers among the blobs the updates add (deletions skipped), and the blobs git-lfs and hub read differently. */
export async function pushedPointers(updates: RefUpdate[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ pointers: PushedPointer[]; ambiguous: AmbiguousBlob[] }> {
  const newIds = [...new Set(updates.filter((u) => !ZERO_ID_RE.test(u.newId)).map((u) => u.newId))];
  const pointers: PushedPointer[] = [];
  const ambiguous: AmbiguousBlob[] = [];
  if (newIds.length === 0) return { pointers, ambiguous };
  const blobs = await newBlobs(newIds, env, cwd);
  if (blobs.length > 0) {
    await readHeads(blobs.map((b) => b.id), env, cwd, (i, head, size) => {
      const kind = classifyBlob(head, size);
      const path = blobs[i].path ? { path: blobs[i].path } : {};
      if (kind.kind === 'pointer') pointers.push({ oid: kind.oid, size: kind.size, ...path });
      else if (kind.kind === 'ambiguous') ambiguous.push({ id: blobs[i].id, reason: kind.reason, ...path });
    });
  }
  return { pointers, ambiguous };
}

/** The refusal: a count line, then one line per problem (at most {@link MAX_NAMED}), then what to do. */
export function refusalMessage(wrong: WrongPointer[], pointers: PushedPointer[], ambiguous: AmbiguousBlob[] = []): string {
  const pathOf = new Map<string, string>();
  for (const p of pointers) if (p.path !== undefined && !pathOf.has(p.oid)) pathOf.set(p.oid, p.path);
  const lines = [`hub: push refused: ${wrong.length + ambiguous.length} Git LFS pointer(s) cannot be served:`];
  const problems = [
    ...ambiguous.map((a) => `hub:   ${a.path ?? a.id}: ${a.reason}`),
    ...wrong.map((w) => {
      const path = pathOf.get(w.oid);
      const why = w.held === undefined ? 'not on the server' : `the server holds ${w.held} bytes, the pointer says ${w.size}`;
      return `hub:   ${w.oid}${path !== undefined ? ` (${path})` : ''}: ${why}`;
    }),
  ];
  lines.push(...problems.slice(0, MAX_NAMED));
  if (problems.length > MAX_NAMED) lines.push(`hub:   ... and ${problems.length - MAX_NAMED} more`);
  if (wrong.length > 0) lines.push('hub: upload the large files first (hub push does that before the git push), then push again');
  if (ambiguous.length > 0) lines.push('hub: commit pointers exactly as git lfs writes them (git lfs pointer --check --strict tells)');
  return `${lines.join('\n')}\n`;
}

async function readAll(input: NodeJS.ReadableStream | string): Promise<string> {
  if (typeof input === 'string') return input;
  const parts: Buffer[] = [];
  for await (const part of input as AsyncIterable<Buffer | string>) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(part));
  return Buffer.concat(parts).toString('utf8');
}

/** Runs the hook; resolves to its exit code (0 accepts the push, 1 refuses it). */
export async function runPreReceive(opts: PreReceiveOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const write = opts.stderr ?? ((text: string) => void process.stderr.write(text));
  try {
    const updates = parseRefUpdates(await readAll(opts.input ?? process.stdin));
    const { pointers, ambiguous } = await pushedPointers(updates, env, cwd);
    const wrong = pointers.length === 0 && ambiguous.length === 0 ? [] : await checkLfsObjects(pointers, env as PresenceEnv, opts.sizeOf);
    if (wrong.length > 0 || ambiguous.length > 0) {
      write(refusalMessage(wrong, pointers, ambiguous));
      return 1;
    }
    const head = await defaultBranchAfter(cwd, updates);
    if (head !== undefined && (await setHead(cwd, head))) write(`hub: the repository's default branch is now ${head.slice('refs/heads/'.length)}\n`);
    return 0;
  } catch (err) {
    // fail closed: a push that cannot be checked is not accepted
    write(`hub: push refused: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}

/** Entry point when git runs this file as the hook. */
export async function main(): Promise<void> {
  process.exitCode = await runPreReceive();
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) await main();
