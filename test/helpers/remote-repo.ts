// A repository created on a test server plus a local hub repository whose `origin` points at it.
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
