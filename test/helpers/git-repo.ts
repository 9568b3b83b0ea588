// Real git repositories for tests: commits Git LFS pointers with the git CLI.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pointerFor } from '../../src/formats/lfs-pointer.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: '/nonexistent',
};

/** The environment tests run git in: no system or user configuration, a fixed identity. */
export function gitEnv(): NodeJS.ProcessEnv {
  return { ...GIT_ENV };
}

/** Runs git in `dir`. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' });
}

/** A new repository at `dir` whose one commit holds an LFS pointer per `files` entry. */
export function repoWithPointers(dir: string, files: Record<string, { oid: string; size: number }>): void {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  for (const [name, { oid, size }] of Object.entries(files)) writeFileSync(join(dir, name), pointerFor(oid, size));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'pointers');
}
