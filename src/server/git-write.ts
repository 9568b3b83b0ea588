/**
 * Git plumbing for the commits `hub serve` makes itself (the Hugging Face commit API), run with
 * the git CLI on a bare repository: argument vectors only (no shell), `--git-dir` named
 * explicitly, the environment cleaned by serverGitEnv. A commit is built in a temporary index
 * (`update-index --index-info`, `write-tree`), made with `commit-tree`, and published with
 * `update-ref <ref> <new> <old>`, whose compare-and-swap makes concurrent writers safe: of two
 * commits built on the same tip, exactly one moves the branch.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HubError } from '../errors.js';
import { Breather } from './breather.js';
import { serverGitEnv } from './bare-repos.js';
import { BACKGROUND_NICE } from './background-priority.js';
import { launch } from './launcher.js';

/** A file in a tree: its git mode (`100644`, `100755`, `120000`, `160000`) and object id. */
export interface TreeEntry {
  mode: string;
  oid: string;
}

/** Who a commit is by (author and committer alike). */
export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  time: number;
}

interface GitRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs `git --git-dir=dir ...args`; resolves with the exit code (callers decide what a non-zero one means). */
async function git(dir: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): Promise<GitRun> {
  // started off the event loop by the launcher (launcher.ts), at the background priority
  const child = await launch('git', [`--git-dir=${dir}`, ...args], { env: { ...serverGitEnv(), GIT_TERMINAL_PROMPT: '0', ...opts.env }, nice: BACKGROUND_NICE });
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 8192) stderr += b.toString('utf8');
    });
    child.stdin.on('error', () => {}); // a git that exits early reports through its exit code
    child.on('error', (err) => reject(new HubError('git_failed', `cannot run git: ${err.message}`, undefined, { cause: err })));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out), stderr: stderr.trim() }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Like git(), but a non-zero exit is an error naming the command. */
async function gitOk(dir: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): Promise<Buffer> {
  const r = await git(dir, args, opts);
  if (r.code !== 0) throw new HubError('git_failed', `git ${args[0]} failed (exit ${r.code})${r.stderr ? `: ${r.stderr.split('\n')[0]}` : ''}`);
  return r.stdout;
}

/** The commit `refs/heads/<branch>` points at, or undefined when there is no such branch. */
export async function branchTip(dir: string, branch: string): Promise<string | undefined> {
  const r = await git(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${branch}^{commit}`]);
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}

/** Whether `rev` names a commit in any way git understands (a tag, a full or abbreviated id, ...). */
export async function resolvesToCommit(dir: string, rev: string): Promise<boolean> {
  if (rev.startsWith('-')) return false;
  const r = await git(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  return r.code === 0;
}

/** True when the repository has no branch at all (a freshly created one). */
export async function hasNoBranches(dir: string): Promise<boolean> {
  const out = await gitOk(dir, ['for-each-ref', '--count=1', '--format=%(refname)', 'refs/heads/']);
  return out.length === 0;
}

/** The branch HEAD names (`main` for repositories hub creates), or undefined when HEAD is detached. */
export async function headBranch(dir: string): Promise<string | undefined> {
  const r = await git(dir, ['symbolic-ref', '--quiet', 'HEAD']);
  const ref = r.stdout.toString('utf8').trim();
  return r.code === 0 && ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

/** Every file of `commit`'s tree, recursively, by path. */
export async function listTree(dir: string, commit: string): Promise<Map<string, TreeEntry>> {
  const out = await gitOk(dir, ['ls-tree', '-r', '-z', '--full-tree', commit]);
  const entries = new Map<string, TreeEntry>();
  const breather = new Breather();
  // records: `<mode> SP <type> SP <oid> TAB <path> NUL`; paths are bytes, read as UTF-8
  let at = 0;
  while (at < out.length) {
    await breather.breathe();
    const end = out.indexOf(0, at);
    const record = out.subarray(at, end < 0 ? out.length : end);
    at = end < 0 ? out.length : end + 1;
    const tab = record.indexOf(0x09);
    const [mode, , oid] = record.subarray(0, tab).toString('latin1').split(' ');
    entries.set(record.subarray(tab + 1).toString('utf8'), { mode, oid });
  }
  return entries;
}

/** The bytes of the blob `oid`. */
export function readBlob(dir: string, oid: string): Promise<Buffer> {
  return gitOk(dir, ['cat-file', 'blob', oid]);
}

/** Writes the files at `paths` (server-side temporary files) as blobs, byte for byte; their ids in order. */
export async function writeBlobs(dir: string, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  if (paths.some((p) => p.includes('\n'))) throw new HubError('git_failed', 'a temporary file name holds a newline');
  const out = await gitOk(dir, ['hash-object', '-w', '--no-filters', '--stdin-paths'], { input: paths.map((p) => `${p}\n`).join('') });
  const ids = out.toString('utf8').trim().split('\n');
  if (ids.length !== paths.length) throw new HubError('git_failed', `git hash-object wrote ${ids.length} blobs for ${paths.length} files`);
  return ids;
}

/** Writes a blob from memory; its id. */
export async function writeBlob(dir: string, bytes: Buffer | string): Promise<string> {
  return (await gitOk(dir, ['hash-object', '-w', '--no-filters', '--stdin'], { input: bytes })).toString('utf8').trim();
}

/**
 * Writes the tree holding exactly `entries` (built in the temporary index file `indexFile`, which
 * must not exist yet); its id. git checks every path again (`verify_path`: no `.git`, `..`, empty
 * components) and refuses a file and a folder of one name.
 */
export async function writeTree(dir: string, entries: Map<string, TreeEntry>, indexFile: string): Promise<string> {
  const env = { GIT_INDEX_FILE: indexFile };
  const records = [...entries].map(([path, e]) => `${e.mode} ${e.oid}\t${path}\0`).join('');
  const added = await git(dir, ['update-index', '--add', '-z', '--index-info'], { input: records, env });
  // update-index skips a path it refuses with a message and exit 0: nothing may be dropped silently
  const staged = (await gitOk(dir, ['ls-files', '-z'], { env })).toString('utf8').split('\0').length - 1;
  if (added.code !== 0 || added.stderr !== '' || staged !== entries.size) {
    throw new HubError('git_failed', `git update-index refused the tree (${staged} of ${entries.size} entries)${added.stderr ? `: ${added.stderr.split('\n')[0]}` : ''}`);
  }
  return (await gitOk(dir, ['write-tree'], { env })).toString('utf8').trim();
}

/** The tree id of `commit`. */
export async function treeOf(dir: string, commit: string): Promise<string> {
  return (await gitOk(dir, ['rev-parse', '--verify', `${commit}^{tree}`])).toString('utf8').trim();
}

/** Makes a commit of `tree` on `parent` (none: a root commit) with `message`, by `who`; its id. */
export async function commitTree(dir: string, tree: string, parent: string | undefined, message: string, who: Signature): Promise<string> {
  const date = `@${who.time} +0000`; // git's raw form: seconds since the epoch, never misread as another date
  const env = {
    GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email, GIT_COMMITTER_DATE: date,
  };
  const args = ['commit-tree', '--no-gpg-sign', tree, ...(parent ? ['-p', parent] : [])];
  return (await gitOk(dir, args, { input: message, env })).toString('utf8').trim();
}

/**
 * Moves `refs/heads/<branch>` from `oldTip` (undefined: the branch must not exist yet) to
 * `newTip`, atomically. Resolves false when the branch was somewhere else (another writer won);
 * any other failure throws.
 */
export async function updateBranch(dir: string, branch: string, newTip: string, oldTip: string | undefined, reason: string): Promise<boolean> {
  const expected = oldTip ?? '0'.repeat(newTip.length);
  const r = await git(dir, ['update-ref', '-m', reason, `refs/heads/${branch}`, newTip, expected]);
  if (r.code === 0) return true;
  if ((await branchTip(dir, branch)) !== oldTip) return false;
  throw new HubError('git_failed', `git update-ref failed (exit ${r.code})${r.stderr ? `: ${r.stderr.split('\n')[0]}` : ''}`);
}

/**
 * The bytes of the blob `oid`, or undefined when it is larger than `limit` bytes (asked with
 * `cat-file -s` first, so a huge blob is never read).
 */
export async function readBlobUpTo(dir: string, oid: string, limit: number): Promise<Buffer | undefined> {
  const size = Number((await gitOk(dir, ['cat-file', '-s', oid])).toString('utf8').trim());
  if (!(size <= limit)) return undefined;
  return gitOk(dir, ['cat-file', 'blob', oid]);
}

/**
 * Runs the checks `receive.fsckObjects` applies to a push on the objects `commit` adds to the
 * repository (those no ref reaches yet): they are packed into `workDir` and the pack is checked
 * with `git index-pack --strict`, as receive-pack does with a pushed pack. Resolves with git's
 * first complaint (`gitmodulesUrl: disallowed submodule url: -u./payload`), or undefined when
 * the objects pass.
 */
export async function fsckNewObjects(dir: string, commit: string, workDir: string): Promise<string | undefined> {
  const objects = await gitOk(dir, ['rev-list', '--objects', commit, '--not', '--all']);
  const pack = join(workDir, `fsck-${commit}.pack`);
  const packed = await git(dir, ['pack-objects', '--stdout', '-q'], { input: objects });
  if (packed.code !== 0) throw new HubError('git_failed', `git pack-objects failed (exit ${packed.code}): ${packed.stderr.split('\n')[0]}`);
  await writeFile(pack, packed.stdout);
  try {
    const checked = await git(dir, ['index-pack', '--strict', '-o', join(workDir, `fsck-${commit}.idx`), pack]);
    if (checked.code === 0) return undefined;
    const line = checked.stderr.split('\n').find((l) => l.startsWith('error: ')) ?? checked.stderr.split('\n')[0] ?? `exit ${checked.code}`;
    return line.replace(/^error: (object [0-9a-f]+: )?/, '');
  } finally {
    await rm(pack, { force: true });
    await rm(join(workDir, `fsck-${commit}.idx`), { force: true });
  }
}
