/**
 * A plain git smart-HTTP server for tests: real `git http-backend` (through hub serve's own CGI
 * bridge, src/server/git-http.ts) over bare repositories `<root>/<owner>/<name>.git`, with no
 * LFS server and no pre-receive check, as a git host whose LFS content lives elsewhere. With
 * `user`/`password`, every request needs them as HTTP Basic credentials (401 otherwise).
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { gitRoute, handleGitRequest } from '../../src/server/git-http.js';
import { tmpDir } from './tmp-dir.js';

/** A running git server. */
export interface GitHttpServer {
  url: string;
  root: string;
  /** Creates the bare repository `<owner>/<name>` and returns its URL. */
  create(repo: string): string;
  /** `none`, `ok` or `bad` for each request, in order (never the password). */
  auth: string[];
  stop(): Promise<void>;
}

/** Starts the server on 127.0.0.1, port 0. */
export async function startGitHttpServer(opts: { user?: string; password?: string } = {}): Promise<GitHttpServer> {
  const root = tmpDir('git-http-root-');
  const expected = opts.user !== undefined ? `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}` : undefined;
  const auth: string[] = [];
  const server = createServer((req, res) => {
    const given = req.headers.authorization;
    auth.push(!given ? 'none' : given === expected ? 'ok' : 'bad');
    if (expected && given !== expected) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' }).end('authentication required\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const route = gitRoute(url.pathname);
    if (!route) {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    void handleGitRequest(req, res, { projectRoot: root, pathInfo: route.pathInfo, query: url.search.replace(/^\?/, ''), remoteUser: opts.user ?? 'tester' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${addr.port}`;
  return {
    url,
    root,
    auth,
    create(repo) {
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(root, `${repo}.git`)]);
      return `${url}/${repo}`;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
