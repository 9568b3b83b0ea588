// The real git + git-lfs clients, configured in a private HOME (git lfs install, identity).
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpDir } from './tmp-dir.js';

/** A git client with its own HOME; run(dir, ...args) throws on failure, tryRun returns status and output. */
export interface GitClient {
  env: NodeJS.ProcessEnv;
  run(cwd: string, ...args: string[]): string;
  tryRun(cwd: string, ...args: string[]): { status: number; stdout: string; stderr: string };
}

/** A fresh client: `git lfs install` and an identity in its own HOME, no system config. */
export function gitClient(): GitClient {
  const home = tmpDir('hub-git-client-');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' };
  delete env.XDG_CONFIG_HOME;
  const run = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  run(home, 'config', '--global', 'user.name', 'Client');
  run(home, 'config', '--global', 'user.email', 'client@example.invalid');
  run(home, 'config', '--global', 'init.defaultBranch', 'main');
  run(home, 'lfs', 'install');
  return {
    env,
    run,
    tryRun: (cwd, ...args) => {
      const r = spawnSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

/** `http://user:TOKEN@host/path` (or without credentials when token is empty). */
export function authUrl(host: string, path: string, token?: string, user = 'user'): string {
  return token ? `http://${user}:${token}@${host}${path}` : `http://${host}${path}`;
}
