/**
 * The bare git repositories of `hub serve` (DESIGN.md §5): where they live under the server
 * root, how they are created (configured for smart HTTP, with hub's pre-receive hook) and
 * removed. Names are validated here, so nothing built from a URL can leave `<root>/repos`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ExitCode, HubError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { HOOK_CHANNEL_FD, HOOK_CHANNEL_HELLO } from './hook-channel.js';

const run = promisify(execFile);

/** A repository kind, as in the URL (`/owner/name` or `/datasets/owner/name`). */
export type RepoType = 'model' | 'dataset';

/** What an owner or a repository name may look like (the Hugging Face Hub's rule, 96 characters at most). */
export const REPO_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/**
 * Why `segment` cannot be an owner or repository name, or undefined when it can. Besides the
 * pattern: no `..` anywhere, and no `.git` suffix on a name (`/o/x.git` must mean repo `x`).
 */
export function badRepoSegment(segment: string, what: 'owner' | 'name'): string | undefined {
  if (!REPO_NAME_RE.test(segment)) return `must match ${REPO_NAME_RE.source}`;
  if (segment.includes('..')) return "may not contain '..'";
  if (what === 'name' && segment.toLowerCase().endsWith('.git')) return "may not end in '.git'";
  return undefined;
}

/** Throws UsageError `bad_name` unless owner and name are valid for a repository of `type`. */
export function validateRepoName(type: RepoType, owner: string, name: string): void {
  for (const [what, value] of [['owner', owner], ['name', name]] as const) {
    const why = badRepoSegment(value, what);
    if (why !== undefined) {
      throw new UsageError(`bad repository ${what} ${JSON.stringify(value)}: ${why}`, { data: { type, owner, name } }, 'bad_name');
    }
  }
  // `<root>/repos/datasets/` holds the datasets, so a model owner of that name would collide.
  if (type === 'model' && owner === 'datasets') {
    throw new UsageError("bad repository owner \"datasets\": reserved for dataset URLs", { data: { type, owner, name } }, 'bad_name');
  }
}

/** `<root>/repos/<owner>/<name>.git` for a model, `<root>/repos/datasets/<owner>/<name>.git` for a dataset. */
export function repoDir(root: string, type: RepoType, owner: string, name: string): string {
  validateRepoName(type, owner, name);
  return type === 'dataset' ? join(root, 'repos', 'datasets', owner, `${name}.git`) : join(root, 'repos', owner, `${name}.git`);
}

/** Quotes `word` for a POSIX shell (single quotes, so nothing inside is expanded). */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The hook command that runs the built pre-receive hook with this Node:
 * `'/usr/bin/node' '/abs/dist/server/pre-receive-hook.js'`. `script` defaults to tsc's build of
 * the hook, found from this module in dist/server/ and from the bundle's chunks in dist/bundle/
 * alike (not from the TypeScript sources). The hook is not bundled: repositories keep the path
 * written at their creation, and dist/server/ is what every build rewrites (a bundle may be
 * stale or gone), and bundled it started no faster (docs/performance.md, "Fixed costs").
 */
export function preReceiveHookCommand(script = fileURLToPath(new URL('../server/pre-receive-hook.js', import.meta.url))): string {
  return `${shellQuote(process.execPath)} ${shellQuote(script)}`;
}

/** Options of {@link createBareRepo}. */
export interface CreateBareRepoOptions {
  /** A shell command line the pre-receive hook execs (with git's stdin and environment). */
  hookCommand: string;
}

/**
 * The environment for git commands the server runs on its own repositories: the caller's, minus
 * the variables that would point git at another repository (set when the server itself runs
 * inside a git hook or a test harness).
 */
export function serverGitEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const name of [
    'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES',
    'GIT_QUARANTINE_PATH', 'GIT_NAMESPACE', 'GIT_COMMON_DIR', 'GIT_PREFIX', 'GIT_PROTOCOL',
  ]) {
    delete env[name];
  }
  return env;
}

/**
 * The hook: through hub serve, it hands the check to the server over the descriptor the server
 * gave git (hook-channel.ts says how, and why); a push that does not come through hub serve finds
 * none and runs `hookCommand`. Plain POSIX sh: no program but `cat` is started for the check.
 */
function hookScript(hookCommand: string): string {
  return [
    '#!/bin/sh',
    '# Installed by hub serve: refuses a push whose Git LFS pointers name objects the server does not hold.',
    '# Through hub serve the server runs the check, asked over the descriptor it gave git (HUB_HOOK_FD);',
    '# a push straight to this directory runs it in a process of its own.',
    `if [ "\${HUB_HOOK_FD-}" = ${HOOK_CHANNEL_FD} ] && { true >&${HOOK_CHANNEL_FD}; } 2>/dev/null; then`,
    `  { printf '%s\\n' '${HOOK_CHANNEL_HELLO}' "\${GIT_QUARANTINE_PATH-}" "\${GIT_OBJECT_DIRECTORY-}" "\${GIT_ALTERNATE_OBJECT_DIRECTORIES-}"; cat; echo end; } >&${HOOK_CHANNEL_FD}`,
    `  while IFS= read -r line <&${HOOK_CHANNEL_FD}; do`,
    '    case $line in',
    `      'msg '*) printf '%s\\n' "\${line#msg }" >&2 ;;`,
    "      'exit 0') exit 0 ;;",
    "      'exit '*) exit 1 ;;",
    '    esac',
    '  done',
    "  echo 'hub: push refused: hub serve did not answer the pre-receive check' >&2",
    '  exit 1',
    'fi',
    `exec ${hookCommand}`,
    '',
  ].join('\n');
}

/** Runs git on the bare repository `dir` (named explicitly: no discovery from the working directory). */
async function git(dir: string, ...args: string[]): Promise<void> {
  try {
    await run('git', [`--git-dir=${dir}`, ...args], { env: serverGitEnv() });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new HubError('git_failed', `git ${args.join(' ')} failed in ${dir}${stderr ? `: ${stderr}` : ''}`, ExitCode.error, { cause: err });
  }
}

/**
 * Creates (or brings up to date) the bare repository at `dir`: `git init --bare -b main`,
 * `receive.fsckObjects`, `http.receivepack`, `uploadpack.allowFilter`, and an executable
 * `hooks/pre-receive` that execs `hookCommand`. Idempotent: an existing repository keeps its
 * objects and refs and gets the current configuration and hook.
 */
export async function createBareRepo(dir: string, opts: CreateBareRepoOptions): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (!existsSync(join(dir, 'HEAD'))) await git(dir, 'init', '--bare', '-q', '-b', 'main', dir);
  await git(dir, 'config', 'receive.fsckObjects', 'true');
  await git(dir, 'config', 'http.receivepack', 'true');
  await git(dir, 'config', 'uploadpack.allowFilter', 'true');
  const hooks = join(dir, 'hooks');
  await mkdir(hooks, { recursive: true });
  // atomic: a push running now sees the old hook or the new one, never half a file, and never
  // one that is not executable yet (git would skip it and accept the push unchecked); the
  // server's own user runs it, nobody else needs to read it (issue 11: the root is private)
  writeFileAtomic(join(hooks, 'pre-receive'), hookScript(opts.hookCommand), { mode: 0o700 });
}

/**
 * Brings the hook of the repository at `dir` up to date when it is not (a repository created by
 * an earlier version, or by a server installed elsewhere, keeps the script written then): called
 * before each push, an asynchronous read of one small file when it is current.
 */
export async function refreshHook(dir: string, hookCommand: string): Promise<void> {
  const path = join(dir, 'hooks', 'pre-receive');
  const script = hookScript(hookCommand);
  let current: string | undefined;
  try {
    current = await readFile(path, 'utf8');
  } catch {
    // missing: written below
  }
  if (current === script) return;
  try {
    await access(join(dir, 'hooks'));
  } catch {
    return; // no repository there: git says so
  }
  writeFileAtomic(path, script, { mode: 0o700 });
}

/**
 * Removes the repository at `dir`: first renamed aside (so no request sees half a repository),
 * then deleted. Returns false when there was nothing to delete.
 */
export async function deleteBareRepo(dir: string): Promise<boolean> {
  const trash = join(dirname(dir), `.deleting-${randomBytes(6).toString('hex')}`);
  try {
    await rename(dir, trash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  await rm(trash, { recursive: true, force: true, maxRetries: 3 });
  return true;
}
