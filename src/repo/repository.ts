/**
 * Finding, creating and configuring a hub repository: a plain git repository (`.git/` written
 * so git can read it) plus hub's own files under `.git/hub/`.
 */
import fs from 'node:fs';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isoGit } from './iso-git.js';
import { NotFoundError } from '../errors.js';

/** Where a repository lives. */
export interface RepoPaths {
  workdir: string;
  gitdir: string;
  /** `.git/hub`: stat cache, lock, markers. */
  hubdir: string;
}

/** Default `hub.largeFileThreshold`: 10 MiB, as on the Hugging Face Hub. */
export const DEFAULT_LARGE_FILE_THRESHOLD = 10 * 1024 * 1024;

function pathsOf(workdir: string): RepoPaths {
  const gitdir = join(workdir, '.git');
  return { workdir, gitdir, hubdir: join(gitdir, 'hub') };
}

/** The repository containing `cwd` (walking up), or NotFoundError 'not_a_repo'. */
export function findRepo(cwd: string): RepoPaths {
  let dir = resolve(cwd);
  for (;;) {
    const dotgit = join(dir, '.git');
    if (existsSync(join(dotgit, 'HEAD')) && statSync(dotgit).isDirectory()) return pathsOf(dir);
    const parent = dirname(dir);
    if (parent === dir) {
      throw new NotFoundError(`not a hub repository (or any parent up to /): ${resolve(cwd)}`, { hint: "run 'hub init' to create one" }, 'not_a_repo');
    }
    dir = parent;
  }
}

/** Creates (or reinitialises) a repository in `dir`; returns whether it already existed. */
export async function initRepo(dir: string, version: string): Promise<{ paths: RepoPaths; existed: boolean }> {
  const workdir = resolve(dir);
  mkdirSync(workdir, { recursive: true });
  const paths = pathsOf(workdir);
  const existed = existsSync(join(paths.gitdir, 'HEAD'));
  const git = await isoGit();
  if (!existed) await git.init({ fs, dir: workdir, defaultBranch: 'main' });
  // isomorphic-git's defaults (filemode false, symlinks false) are wrong for hub's users.
  await git.setConfig({ fs, gitdir: paths.gitdir, path: 'core.filemode', value: true });
  await git.setConfig({ fs, gitdir: paths.gitdir, path: 'core.symlinks', value: true });
  await git.setConfig({ fs, gitdir: paths.gitdir, path: 'init.defaultBranch', value: 'main' });
  await git.setConfig({ fs, gitdir: paths.gitdir, path: 'hub.version', value: version });
  mkdirSync(paths.hubdir, { recursive: true });
  return { paths, existed };
}

/** A config value of the repository (undefined when unset). */
export async function getConfig(paths: RepoPaths, key: string): Promise<unknown> {
  return (await isoGit()).getConfig({ fs, gitdir: paths.gitdir, path: key });
}

/** Sets a config value of the repository in `.git/config`. */
export async function setConfig(paths: RepoPaths, key: string, value: string): Promise<void> {
  await (await isoGit()).setConfig({ fs, gitdir: paths.gitdir, path: key, value });
}

/** `hub.largeFileThreshold` in bytes. */
export async function largeFileThreshold(paths: RepoPaths): Promise<number> {
  const v = await getConfig(paths, 'hub.largeFileThreshold');
  const n = typeof v === 'number' ? v : typeof v === 'string' ? parseSize(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_LARGE_FILE_THRESHOLD;
}

function parseSize(s: string): number {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2].toLowerCase()];
}
