/**
 * Several `hub serve` processes on one server root behind nginx (test/services/nginx.sh), as a
 * scaled-out deployment runs them (issue 18): every request is balanced on its own, so one
 * client's batch, uploads and ref update may each reach a different server. `serveArgs` are
 * given to every server (the storage and database backends).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHubServe, type TestServer } from './hub-server.js';
import { repoRoot } from './paths.js';
import { tmpDir } from './tmp-dir.js';

/** A running cluster. */
export interface HubCluster {
  /** The load balancer's URL: what clients use. */
  url: string;
  root: string;
  adminToken: string;
  servers: TestServer[];
  /** nginx's access log so far (`$status` is the 9th field). */
  accessLog(): string;
  /** Stops nginx and every server still running. */
  stop(): Promise<void>;
}

const nginxScript = join(repoRoot, 'test/services/nginx.sh');

/** Starts `n` servers on a fresh root (the first makes the admin token), then nginx in front of them. */
export async function startHubCluster(n: number, serveArgs: string[] = []): Promise<HubCluster> {
  const root = tmpDir('hub-cluster-');
  const first = await startHubServe(root, serveArgs);
  const servers = [first, ...(await Promise.all(Array.from({ length: n - 1 }, () => startHubServe(root, serveArgs))))];
  const nginxDir = tmpDir('hub-nginx-');
  const ports = servers.map((s) => s.url.split(':').pop()!);
  let url: string;
  try {
    url = execFileSync('bash', [nginxScript, 'start', nginxDir, ...ports], { encoding: 'utf8' }).trim();
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  return {
    url,
    root,
    adminToken: first.adminToken,
    servers,
    accessLog: () => readFileSync(join(nginxDir, 'access.log'), 'utf8'),
    stop: async () => {
      execFileSync('bash', [nginxScript, 'stop', nginxDir]);
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
