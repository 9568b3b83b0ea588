/**
 * The git configuration a Git LFS client sees, read the way git-lfs reads it: `git config
 * --includes --list` (system, global, local: everything git itself would use), over the
 * repository's committed `.lfsconfig` (the working tree's file, else the index's, else HEAD's, or
 * the given revision's for a clone), of which only the keys git-lfs calls safe count. git
 * configuration wins over `.lfsconfig`. Runs git (a parser of git's config syntax, includes and
 * conditional includes would be a second git); without git the config is empty and endpoints
 * fall back to the remote URL.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GitConfigValues, parseConfigList, type ConfigEntry } from '../formats/git-config-values.js';

/** The `.lfsconfig` keys git-lfs honours (config/git_fetcher.go: safeKeys, remote.*.lfsurl, *.access). */
function safeLfsconfigKey(key: string): boolean {
  const parts = key.split('.');
  if (parts[0] === 'remote') return parts.length >= 3 && parts[parts.length - 1] === 'lfsurl';
  if (parts.length > 2 && parts[parts.length - 1] === 'access') return true;
  if (parts.length === 4 && parts[0] === 'lfs' && parts[1] === 'extension') return parts[3] === 'priority';
  return ['lfs.allowincompletepush', 'lfs.fetchexclude', 'lfs.fetchinclude', 'lfs.gitprotocol', 'lfs.locksverify', 'lfs.pushurl', 'lfs.skipdownloaderrors', 'lfs.url'].includes(key);
}

/** Where to read configuration from. */
export interface ConfigPlace {
  /** The working tree (git runs there); undefined for a bare repository. */
  workdir?: string;
  gitdir: string;
  /** Read `.lfsconfig` from this commit (a fresh clone's) instead of the working tree, index or HEAD. */
  revision?: string;
  env?: NodeJS.ProcessEnv;
}

/** The configuration a Git LFS client sees in a repository (see the module comment). */
export async function readLfsGitConfig(place: ConfigPlace): Promise<GitConfigValues> {
  const run = (args: string[]) => gitConfigList(place, args);
  const committed = async (): Promise<string | undefined> => {
    if (place.revision) return run(['--blob', `${place.revision}:.lfsconfig`]);
    const file = place.workdir ? join(place.workdir, '.lfsconfig') : undefined;
    if (file && existsSync(file)) return run(['--file', file]);
    // the index's and HEAD's asked at once (the index's wins): one git start waited for, not two
    const [index, head] = await Promise.all([place.workdir ? run(['--blob', ':.lfsconfig']) : undefined, run(['--blob', 'HEAD:.lfsconfig'])]);
    return index ?? head;
  };
  const [git, lfsconfig] = await Promise.all([run([]), committed()]);
  if (git === undefined) return new GitConfigValues();
  const fromFile: ConfigEntry[] = parseConfigList(lfsconfig ?? '').filter(([k]) => safeLfsconfigKey(k));
  return new GitConfigValues([...fromFile, ...parseConfigList(git)]);
}

/** `git config --includes --list -z ARGS`; undefined when git is missing or fails (no such blob, no config). */
function gitConfigList(place: ConfigPlace, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const env = { ...(place.env ?? process.env), GIT_DIR: place.gitdir };
    const child = spawn('git', ['config', '--includes', '--list', '-z', ...args], { cwd: place.workdir ?? place.gitdir, env, stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(out).toString('utf8') : undefined));
  });
}

/** Sets `key` in the repository's own config (git-lfs records `lfs.<url>.access` this way); false without git. */
export function setLocalConfig(place: ConfigPlace, key: string, value: string): Promise<boolean> {
  return new Promise((resolve) => {
    const env = { ...(place.env ?? process.env), GIT_DIR: place.gitdir };
    const child = spawn('git', ['config', '--local', key, value], { cwd: place.workdir ?? place.gitdir, env, stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** The first line of `CMD ARGS` (e.g. `git version 2.39.5`), or null when it is not installed or fails. */
export function toolVersion(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? (Buffer.concat(out).toString('utf8').split('\n')[0].trim() || null) : null));
  });
}
