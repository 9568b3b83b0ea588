// A repository created on a test server plus a local hub repository whose `origin` points at it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from './hub-server.js';
import { runHubJson } from './run-hub.js';
import { tmpDir } from './tmp-dir.js';

/** A fixed identity for commits. */
export const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };

/**
 * Creates `repo` on `server`, and a local repository (its own HUB_HOME, the admin token) that
 * tracks `track` and has `origin` at `base/repo` (`base` defaults to the server, a proxy may
 * stand in front of it).
 */
export async function localRepoWithRemote(server: TestServer, repo: string, opts: { track?: string[]; base?: string } = {}): Promise<{ dir: string; env: Record<string, string> }> {
  await runHubJson(['repo', 'create', repo, '--endpoint', server.url, '--token', server.adminToken]);
  const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: server.adminToken };
  const dir = tmpDir();
  await runHubJson(['init'], { cwd: dir, env });
  await runHubJson(['track', ...(opts.track ?? ['*.safetensors'])], { cwd: dir, env });
  await runHubJson(['remote', 'add', 'origin', `${opts.base ?? server.url}/${repo}`], { cwd: dir, env });
  return { dir, env };
}

/** Creates `repo` on `server` and pushes one commit of `w.bin` (tracked as large) holding `bytes`; the push's JSON answer. */
export async function pushOneFile(server: TestServer, repo: string, bytes: Buffer): Promise<Record<string, unknown>> {
  const { dir, env } = await localRepoWithRemote(server, repo, { track: ['*.bin'] });
  writeFileSync(join(dir, 'w.bin'), bytes);
  await runHubJson(['add', '-A'], { cwd: dir, env });
  await runHubJson(['commit', '-m', 'w'], { cwd: dir, env });
  return runHubJson(['push'], { cwd: dir, env });
}
