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
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { looksLikePointer, parsePointer, POINTER_MAX_BYTES } from '../formats/lfs-pointer.js';
import { checkLfsObjects, type HasObject, type PresenceEnv } from './lfs-presence.js';

/** A ref update as git gives it to the hook. */
export interface RefUpdate {
  oldId: string;
  newId: string;
  ref: string;
}

/** An LFS pointer among the pushed blobs. */
export interface PushedPointer {
  oid: string;
  /** The first path the blob was found at, when git reported one. */
  path?: string;
}

/** Options of {@link runPreReceive}. */
export interface PreReceiveOptions {
  /** The hook's stdin (`<old> <new> <ref>` lines); default process.stdin. */
  input?: NodeJS.ReadableStream | string;
  /** Environment of the git commands and of the presence check; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The repository (git starts hooks in it); default process.cwd(). */
  cwd?: string;
  /** Answers whether the repository holds an oid; default: the metadata database (lfs-presence.ts). */
  has?: HasObject;
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

function git(args: string[], env: NodeJS.ProcessEnv, cwd: string): ChildProcessWithoutNullStreams {
  return spawn('git', args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Resolves when `child` exits 0; rejects with its stderr otherwise. */
function succeeded(child: ChildProcessWithoutNullStreams, what: string): Promise<void> {
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

/** The new blobs smaller than a pointer's limit that the updates bring in, with a path each. */
async function newSmallBlobs(newIds: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Array<{ id: string; path: string }>> {
  // rev-list --objects prints `<id> <path>` (the path empty for commits); cat-file with %(rest)
  // echoes the path, so one pipe gives type, size and path of every new object
  const revList = git(['rev-list', '--objects', '--stdin', '--not', '--all'], env, cwd);
  const check = git(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize) %(rest)'], env, cwd);
  const done = Promise.all([succeeded(revList, 'git rev-list'), succeeded(check, 'git cat-file --batch-check')]);
  done.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled
  revList.stdin.on('error', () => {}); // reported through its exit status
  check.stdin.on('error', () => {});
  revList.stdout.pipe(check.stdin);
  revList.stdin.end(newIds.map((id) => `${id}\n`).join(''));
  const blobs: Array<{ id: string; path: string }> = [];
  for await (const line of createInterface({ input: check.stdout, crlfDelay: Infinity })) {
    const m = /^(\S+) (\S+) (\d+) ?(.*)$/.exec(line);
    if (m && m[2] === 'blob' && Number(m[3]) < POINTER_MAX_BYTES) blobs.push({ id: m[1], path: m[4] });
  }
  await done;
  return blobs;
}

/** Reads the blobs `ids` (each under 1 KiB) with one `git cat-file --batch`, calling `onBlob` in order. */
async function readBlobs(ids: string[], env: NodeJS.ProcessEnv, cwd: string, onBlob: (index: number, bytes: Buffer) => void): Promise<void> {
  const cat = git(['cat-file', '--batch'], env, cwd);
  const done = succeeded(cat, 'git cat-file --batch');
  done.catch(() => {}); // awaited below
  cat.stdin.on('error', () => {});
  cat.stdin.end(ids.map((id) => `${id}\n`).join(''));
  // output per object: `<id> <type> <size>\n<content>\n`
  let buf: Buffer = Buffer.alloc(0);
  let index = 0;
  for await (const chunk of cat.stdout as AsyncIterable<Buffer>) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0) break;
      const header = buf.subarray(0, nl).toString('latin1');
      const m = /^\S+ (\S+) (\d+)$/.exec(header);
      if (!m) throw new Error(`git cat-file --batch: unexpected output ${JSON.stringify(header.slice(0, 200))}`);
      const size = Number(m[2]);
      if (buf.length < nl + 1 + size + 1) break;
      onBlob(index++, buf.subarray(nl + 1, nl + 1 + size));
      buf = buf.subarray(nl + 1 + size + 1);
    }
  }
  await done;
}

/** The LFS pointers among the objects the updates add to the repository (deletions skipped). */
export async function pushedPointers(updates: RefUpdate[], env: NodeJS.ProcessEnv, cwd: string): Promise<PushedPointer[]> {
  const newIds = [...new Set(updates.filter((u) => !ZERO_ID_RE.test(u.newId)).map((u) => u.newId))];
  if (newIds.length === 0) return [];
  const blobs = await newSmallBlobs(newIds, env, cwd);
  if (blobs.length === 0) return [];
  const pointers: PushedPointer[] = [];
  await readBlobs(blobs.map((b) => b.id), env, cwd, (i, bytes) => {
    if (!looksLikePointer(bytes)) return;
    try {
      const { oid } = parsePointer(bytes);
      pointers.push(blobs[i].path ? { oid, path: blobs[i].path } : { oid });
    } catch {
      // not a valid pointer: an ordinary small file that happens to start like one
    }
  });
  return pointers;
}

/** The refusal: a count line, then one line per missing object (at most {@link MAX_NAMED}). */
export function refusalMessage(missing: string[], pointers: PushedPointer[]): string {
  const pathOf = new Map<string, string>();
  for (const p of pointers) if (p.path !== undefined && !pathOf.has(p.oid)) pathOf.set(p.oid, p.path);
  const lines = [`hub: push refused: ${missing.length} Git LFS object(s) are not on the server:`];
  for (const oid of missing.slice(0, MAX_NAMED)) {
    const path = pathOf.get(oid);
    lines.push(`hub:   ${oid}${path !== undefined ? ` (${path})` : ''}`);
  }
  if (missing.length > MAX_NAMED) lines.push(`hub:   ... and ${missing.length - MAX_NAMED} more`);
  lines.push('hub: upload the large files first (hub push does that before the git push), then push again');
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
    const pointers = await pushedPointers(updates, env, cwd);
    if (pointers.length === 0) return 0;
    const missing = await checkLfsObjects(pointers.map((p) => p.oid), env as PresenceEnv, opts.has);
    if (missing.length === 0) return 0;
    write(refusalMessage(missing, pointers));
    return 1;
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
