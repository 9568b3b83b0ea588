/**
 * Git smart HTTP for `hub serve`: recognises the git routes of a repository URL and runs
 * `git http-backend` as a CGI for them (DESIGN.md §5). The request body streams to the CGI's
 * stdin with backpressure and its answer streams back; nothing is buffered whole here, and
 * there is no overall timeout (a large push takes as long as it takes); a client that stops
 * sending or reading is cut off by the server's idle timeout (stall-watch.ts), and git with it.
 * Authentication happens before: the caller passes the authenticated user as `remoteUser`, and
 * bounds how many of these run at once (limiter.ts).
 *
 * git runs in a process group of its own (http-backend starts upload-pack or receive-pack, which
 * may start hooks): stopping a request stops the whole group.
 *
 * CGI contract relied on (git's http-backend.c): the body is piped as received, gzip and all
 * (`HTTP_CONTENT_ENCODING` tells http-backend to inflate it); `CONTENT_LENGTH` is set only when
 * the client sent one, since its absence is how http-backend knows to read a chunked body until
 * EOF; `GIT_PROTOCOL` carries the `Git-Protocol` header, which is how protocol v2 is negotiated.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { badRepoSegment, serverGitEnv, type RepoType } from './bare-repos.js';
import { BACKGROUND_NICE } from './background-priority.js';
import { launch, type Launched } from './launcher.js';
import { HOOK_CHANNEL_FD } from './hook-channel.js';

/** A git smart-HTTP route: which repository, and the PATH_INFO http-backend gets (always `<name>.git`). */
export interface GitRoute {
  type: RepoType;
  owner: string;
  name: string;
  /** `info/refs`, `git-upload-pack` or `git-receive-pack`. */
  service: GitService;
  /** `/<owner>/<name>.git/<service>`, with a `/datasets` prefix for datasets. */
  pathInfo: string;
}

/** The smart-HTTP paths below a repository. */
export type GitService = 'info/refs' | 'git-upload-pack' | 'git-receive-pack';

/**
 * The PATH_INFO of `service` in a repository. Build it from the stored spelling of owner and
 * name (the metadata's record), not the request's, where lookups ignore case.
 */
export function gitPathInfo(type: RepoType, owner: string, name: string, service: GitService): string {
  return `${type === 'dataset' ? '/datasets' : ''}/${owner}/${name}.git/${service}`;
}

/** The service paths served; the dumb protocol (`HEAD`, `objects/...`) is not. */
const SERVICE_PATHS: ReadonlySet<string> = new Set<GitService>(['info/refs', 'git-upload-pack', 'git-receive-pack']);

/**
 * Recognises `/<owner>/<name>[.git]/<service>` and `/datasets/<owner>/<name>[.git]/<service>`
 * where service is `info/refs`, `git-upload-pack` or `git-receive-pack`; undefined for anything
 * else (other routes, dumb-protocol paths, bad names, `..`, empty or percent-encoded segments).
 */
export function gitRoute(urlPath: string): GitRoute | undefined {
  const parts = urlPath.split('/');
  if (parts[0] !== '') return undefined;
  const type: RepoType = parts[1] === 'datasets' ? 'dataset' : 'model';
  const rest = parts.slice(type === 'dataset' ? 2 : 1);
  if (rest.length < 3) return undefined;
  const [owner, rawName, ...service] = rest;
  const name = rawName.endsWith('.git') ? rawName.slice(0, -'.git'.length) : rawName;
  const svc = service.join('/');
  if (!SERVICE_PATHS.has(svc)) return undefined;
  if (badRepoSegment(owner, 'owner') !== undefined || badRepoSegment(name, 'name') !== undefined) return undefined;
  return { type, owner, name, service: svc as GitService, pathInfo: gitPathInfo(type, owner, name, svc as GitService) };
}

/** Options of {@link handleGitRequest}. */
export interface GitRequestOptions {
  /** GIT_PROJECT_ROOT: the directory holding the bare repositories (`<root>/repos`). */
  projectRoot: string;
  /** PATH_INFO below projectRoot, e.g. `/acme/llama.git/info/refs` (see {@link gitRoute}). */
  pathInfo: string;
  /** The query string without `?` (`service=git-upload-pack`). */
  query: string;
  /** The authenticated user; git records it as the pusher and hooks see it. */
  remoteUser?: string;
  /** Extra environment for git and its hooks (HUB_SERVE_DB, HUB_REPO_ID, ...). */
  env?: Record<string, string>;
  /** Receives what http-backend writes on stderr (otherwise discarded). */
  onStderr?: (text: string) => void;
  /**
   * Gives git one more descriptor, a socket to this process (fd 3, `HUB_HOOK_FD`), which git's
   * processes inherit, and hands it over: the pre-receive hook asks for its check on it
   * (hook-channel.ts). It is closed once http-backend exits.
   */
  hookChannel?: (channel: Duplex) => void;
}

/** The largest CGI header block accepted before the response is declared broken. */
const MAX_CGI_HEADER_BYTES = 64 << 10;

/** Variables of the server's own environment that must not leak into the CGI's request variables. */
function isRequestVariable(name: string): boolean {
  return (
    name.startsWith('HTTP_') ||
    name.startsWith('CONTENT_') ||
    name.startsWith('REMOTE_') ||
    ['PATH_INFO', 'PATH_TRANSLATED', 'QUERY_STRING', 'REQUEST_METHOD', 'SERVER_PROTOCOL', 'GIT_PROJECT_ROOT', 'GIT_HTTP_EXPORT_ALL'].includes(name)
  );
}

/** The environment of one http-backend run. */
export function cgiEnv(req: IncomingMessage, opts: GitRequestOptions): NodeJS.ProcessEnv {
  const env = serverGitEnv();
  for (const name of Object.keys(env)) if (isRequestVariable(name)) delete env[name];
  Object.assign(env, {
    GIT_PROJECT_ROOT: opts.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: opts.pathInfo,
    QUERY_STRING: opts.query,
    REQUEST_METHOD: req.method ?? 'GET',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`, // a CGI must-have; http-backend answers 405 only for HTTP/1.1
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
  });
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const contentType = header('content-type');
  if (contentType !== undefined) env.CONTENT_TYPE = contentType;
  const contentLength = header('content-length');
  if (contentLength !== undefined && /^[0-9]+$/.test(contentLength)) env.CONTENT_LENGTH = contentLength;
  const encoding = header('content-encoding');
  if (encoding !== undefined) env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = header('git-protocol');
  // git's own grammar for the header: key[=value] pairs separated by ':'
  if (protocol !== undefined && /^[A-Za-z0-9._=:-]{1,256}$/.test(protocol)) env.GIT_PROTOCOL = protocol;
  if (opts.remoteUser !== undefined && opts.remoteUser !== '') env.REMOTE_USER = opts.remoteUser;
  return { ...env, ...opts.env };
}

/** Status code and headers of a CGI response header block (`Status:` optional, default 200). */
export function parseCgiHeaders(block: string): { status: number; headers: Array<[string, string]> } {
  let status = 200;
  const headers: Array<[string, string]> = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`bad CGI header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const code = Number(/^([0-9]{3})\b/.exec(value)?.[1]);
      if (!(code >= 100 && code <= 599)) throw new Error(`bad CGI status ${JSON.stringify(value.slice(0, 80))}`);
      status = code;
    } else {
      headers.push([name, value]);
    }
  }
  return { status, headers };
}

/** Where the header block ends: the index of the first body byte and of the block's end, or undefined. */
function headerEnd(buf: Buffer): { blockEnd: number; bodyStart: number } | undefined {
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    if (buf[i + 1] === 0x0a) return { blockEnd: i, bodyStart: i + 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { blockEnd: i, bodyStart: i + 3 };
  }
  return undefined;
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${JSON.stringify({ error: message })}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** How long a stopped git request's processes get to end on SIGTERM before SIGKILL. */
const GIT_KILL_AFTER_MS = 2_000;

/**
 * Serves one git smart-HTTP request by running `git http-backend`. Resolves when the response
 * has been sent or the client went away (the child is then killed). When git fails before its
 * headers, the client gets a 500 with `{"error": ...}`; after that, the connection is cut.
 */
export function handleGitRequest(req: IncomingMessage, res: ServerResponse, opts: GitRequestOptions): Promise<void> {
  // answered already (the idle timeout's 408) or gone: git would wait for a body that never comes,
  // and the listeners below would wait for events that have fired
  if (res.closed || res.writableEnded || req.destroyed) return Promise.resolve();
  // no socket timeout: idle clients are the stall watch's business, which knows when git is busy
  req.socket.setTimeout(0);
  const env = cgiEnv(req, opts);
  delete env.HUB_HOOK_FD; // only a channel given here may be named (one in the server's own environment is not ours)
  if (opts.hookChannel) env.HUB_HOOK_FD = String(HOOK_CHANNEL_FD);
  // started by the launcher, off the event loop (launcher.ts), at the background priority
  return launch('git', ['http-backend'], { env, extraFds: opts.hookChannel ? 1 : 0, detached: true, nice: BACKGROUND_NICE }).then((child) => serveWith(child, req, res, opts));
}

/** Serves the request with the started http-backend `child` (see {@link handleGitRequest}). */
function serveWith(child: Launched, req: IncomingMessage, res: ServerResponse, opts: GitRequestOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    const channel = child.stdio[HOOK_CHANNEL_FD] as Duplex | null | undefined;
    if (opts.hookChannel && channel) {
      opts.hookChannel(channel);
      // a process git leaves behind (a detached gc) may hold its copy: ours goes with http-backend
      child.once('exit', () => channel.destroy());
    }
    let head: Buffer | undefined = Buffer.alloc(0);
    let childDone = false;
    let resDone = false;
    const settle = (): void => {
      if (childDone && resDone) resolve();
    };
    const stopGit = (): void => {
      if (childDone || child.pid === undefined) return;
      const group = child.pid;
      try {
        process.kill(-group, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      // whatever of the group outlives SIGTERM for 2 s is killed (a git that ignores SIGTERM must
      // not keep its slot); ESRCH when all of it is gone already
      setTimeout(() => {
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          // gone
        }
      }, GIT_KILL_AFTER_MS).unref();
    };
    // the body will never be complete (the client went away or was cut off): git would wait forever
    req.on('close', () => {
      if (!req.complete) stopGit();
    });
    const fail = (message: string): void => {
      head = undefined;
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      sendError(res, 500, message);
    };

    const resClosed = (): void => {
      resDone = true;
      // closed before the whole response was written: the client went away, so stop git
      if (!res.writableFinished) stopGit();
      settle();
    };
    // the client may have gone, or been answered (the idle timeout's 408), while git started
    if (res.closed) resClosed();
    else res.on('close', resClosed);
    if (req.destroyed && !req.complete) stopGit();

    child.on('error', (err) => {
      if (head !== undefined) fail(`cannot run git http-backend: ${err.message}`);
      childDone = true;
      settle();
    });
    child.on('close', (code, signal) => {
      if (head !== undefined) {
        fail(`git http-backend ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before answering`);
      }
      childDone = true;
      settle();
    });

    child.stderr.on('data', (chunk: Buffer) => opts.onStderr?.(chunk.toString('utf8')));

    // request body -> stdin, with backpressure (pipe pauses req while stdin is full); git may stop
    // reading early (an error, a refused push) and close its end: then the rest is discarded
    child.stdin.on('error', () => {
      req.unpipe(child.stdin);
      req.resume();
    });
    req.pipe(child.stdin);

    const onData = (chunk: Buffer): void => {
      if (head === undefined) return;
      if (res.writableEnded || res.headersSent) {
        // someone else answered already (the idle timeout's 408): git's answer has nowhere to go
        head = undefined;
        child.stdout.resume();
        stopGit();
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (end === undefined) {
        if (head.length > MAX_CGI_HEADER_BYTES) {
          stopGit();
          fail('git http-backend sent a malformed response');
        }
        return;
      }
      let parsed: ReturnType<typeof parseCgiHeaders>;
      try {
        parsed = parseCgiHeaders(head.subarray(0, end.blockEnd).toString('latin1'));
      } catch (err) {
        stopGit();
        fail(`git http-backend sent a malformed response: ${(err as Error).message}`);
        return;
      }
      const body = head.subarray(end.bodyStart);
      head = undefined;
      child.stdout.removeListener('data', onData);
      res.statusCode = parsed.status;
      for (const [name, value] of parsed.headers) res.appendHeader(name, value);
      // send the headers now: receive-pack answers only after the whole pack arrived
      if (body.length > 0) res.write(body);
      else res.flushHeaders();
      // stdout -> response with backpressure; ends the response when git closes stdout
      child.stdout.pipe(res);
    };
    child.stdout.on('data', onData);
  });
}
