// Shared by the benchmarks: start `hub serve --root DIR --port 0` and wait until it listens.
import { spawn } from 'node:child_process';

/** Starts the server; resolves with the child process, its URL and the first admin token (undefined on a root that has one). */
export function startServer(hub, dir, env, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hub, 'serve', '--root', dir, '--port', '0', ...(opts.args ?? [])], { env, stdio: ['ignore', 'pipe', opts.stderr ?? 'ignore'] });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], token: /admin token: (\S+)/.exec(out)?.[1] }); // no token line when the root already has one
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}
