/**
 * `hub serve`: one HTTP server for git smart HTTP (proxied to `git http-backend`), the Git LFS
 * Batch API with the `basic` transfer, and a small repository API. Everything is authenticated
 * and authorised here (access.ts) before any handler runs, and before any request body is read;
 * errors are JSON; every request is logged as one JSON line.
 *
 * Nothing one request does may stall the others (docs/server.md, "Security model"): bodies are
 * read with a per-route size cap and parsed after a linear depth and size scan (json-scan.ts);
 * hashing, reassembly and the parsing of large bodies run on worker threads (work-pool.ts) and
 * git in child processes, both with bounded concurrency per server and per caller (limiter.ts);
 * a client that stops sending or reading is cut off after the idle timeout (stall-watch.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { ConflictError, PermissionError, UsageError } from '../errors.js';
import type { StorageLocation } from '../store/storage-location.js';
import { recordRootStorage } from './root-storage.js';
import { Store } from '../store/store.js';
import { identify, requireAccess, wwwAuthenticate, type Identity } from './access.js';
import { preReceiveHookCommand, refreshHook, repoDir, serverGitEnv } from './bare-repos.js';
import { hookChannelFor } from './hook-channel.js';
import { gitPathInfo, gitRoute, handleGitRequest } from './git-http.js';
import { toHttpError } from './http-error.js';
import { closesAfterAnswer, discardBody, DRAIN_LIMIT, drainedOrLate, HttpError, sendJson } from './http-util.js';
import { parseRepoPath, routeRepoLfs, type RepoLfsContext } from './repo-lfs-routes.js';
import { goneSignal, GoneWhileWaiting, Limiter } from './limiter.js';
import { watchEventLoop } from './loop-watch.js';
import { prepareRoot } from './server-root.js';
import { StallWatch } from './stall-watch.js';
import { handleTokens, tokenRoute } from './tokens-api.js';
import { WorkPool } from './work-pool.js';
import { sendBufferPool } from './send-range.js';
import { handleHfRead, hfReadRoute } from './hf-read.js';
import { openMetadata } from './open-metadata.js';
import { hfWriteApi, matchHfWrite } from './hf-write.js';
import { backfillServedRanges } from './hold-object.js';
import { createUploadGrants } from './upload-grant.js';
import { serverKey } from './server-key.js';
import { startLauncher, stopLauncher } from './launcher.js';
import { serverTmpDir } from './server-tmp.js';
import { webPages, type WebPagesOptions } from './web/web-pages.js';
import { handleXetToken, matchXetTokenRoute } from './xet-access.js';
import { handleXetCas, isXetCasPath } from './xet-cas.js';
import { createXetTokens } from './xet-tokens.js';

/** Options of startServer. */
export interface ServeOptions {
  root: string;
  /** The metadata database: a `postgres://` URL shared by several servers; default `<root>/meta.sqlite` (open-metadata.ts). */
  database?: string;
  host?: string;
  port?: number;
  version: string;
  /** Offer the `hub-chunks` and `xet` transfers and the Xet CAS (default true; false makes a plain `basic` LFS server). */
  chunkTransfer?: boolean;
  /** Where access-log lines and notices go (default stderr). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /**
   * The server's public base URL (`https://hub.example.com`), used for every link it writes (LFS
   * actions, chunk URLs, HF commit and repository URLs, pagination). Without it links are built
   * from the request's Host header, which a client (or a proxy that forwards it unchecked) controls.
   */
  publicUrl?: string;
  /** How long a request body or an answer may make no progress before the request is ended (default 30 s). */
  idleTimeoutMs?: number;
  /** Worker threads for hashing, reassembly and large bodies (default 2). */
  workers?: number;
  /** git processes (http-backend requests, HF API reads) at once: per server (default 32) and per caller (default 8). */
  maxGitRequests?: number;
  maxGitRequestsPerClient?: number;
  /** Where the content store keeps xorbs and manifests (default: the root's store folder; docs/server.md "Storage"). */
  storage?: StorageLocation;
  /** With S3 storage: Xet reconstructions hand presigned URLs of the bucket instead of the server's fetch URLs (xet-download.ts). */
  presignedDownloads?: boolean;
  /** How the pages' work computed ahead waits for a quiet server (web/content-pool.ts; no flag: for tests and embedders). */
  aheadWait?: WebPagesOptions['aheadWait'];
}

/** A `GET /api/health`, answered before any access check. */
function isHealthCheck(req: IncomingMessage): boolean {
  return req.method === 'GET' && (req.url ?? '').split('?')[0] === '/api/health';
}

/** The default idle timeout of request bodies and answers. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** The origin of a `--public-url` value (`scheme://host[:port]`); UsageError when it is not one. */
export function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--public-url ${JSON.stringify(value)} is not a URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new UsageError(`--public-url must be http(s)://host[:port], without a path: ${JSON.stringify(value)}`);
  }
  return url.origin;
}

/** A running server. */
export interface RunningServer {
  url: string;
  port: number;
  /** The admin token created on first start in an empty root (shown once, stored hashed). */
  adminToken?: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

/** Why the server cannot listen on `host`:`port`, as one line with its exit code (a busy port is a conflict, 7). */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new ConflictError(`port ${port} on ${host} is already in use`, { cause: err, hint: 'stop what is using it, or pick another --port (0 picks a free one)', data: { host, port } }, 'port_in_use');
  if (code === 'EACCES' || code === 'EPERM') return new PermissionError(`no permission to listen on port ${port} on ${host}`, { cause: err, hint: 'ports below 1024 need privileges: pick another --port', data: { host, port } }, 'port_denied');
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new UsageError(`cannot listen on ${host}: not an address of this machine`, { cause: err, data: { host, port } }, 'bad_host');
  return err;
}

/** Starts the server; the first start on an empty root creates an admin user and token. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const root = opts.root;
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const publicUrl = opts.publicUrl === undefined ? undefined : parsePublicUrl(opts.publicUrl);
  const warning = prepareRoot(root);
  if (warning) log(JSON.stringify({ time: new Date().toISOString(), level: 'warn', message: warning }));
  // this server's scratch folder; what stopped servers of this host left is removed (server-tmp.ts)
  const tmpDir = serverTmpDir(root);
  const chunkTransfer = opts.chunkTransfer ?? true;
  const presignedDownloads = opts.presignedDownloads === true;
  if (presignedDownloads && opts.storage?.kind !== 's3') throw new UsageError('--presigned-downloads needs --storage s3://BUCKET[/PREFIX]: only an object store presigns URLs', {}, 'bad_storage');
  const { meta, hookDatabase } = await openMetadata(root, opts.database, { onError: (err) => log(JSON.stringify({ time: new Date().toISOString(), level: 'error', message: err.message })) });
  const env = opts.env ?? process.env;
  let store: Store;
  try {
    store = await Store.open(join(root, 'store'), env, { storage: opts.storage }); // a bucket it cannot reach fails here
  } catch (err) {
    await meta.close(); // a PostgreSQL pool left open would keep the process alive
    throw err;
  }
  recordRootStorage(root, store.storage); // hub gc --root reads it
  const pool = new WorkPool({ storeRoot: join(root, 'store'), store, env, workers: opts.workers });
  await pool.warm();
  const sendBuffers = sendBufferPool(); // reused by every xorb download
  const gitLimiter = new Limiter({
    what: 'git requests',
    maxRunning: opts.maxGitRequests ?? 32,
    maxRunningPerKey: opts.maxGitRequestsPerClient ?? 8,
    maxQueued: 64,
    maxQueuedPerKey: 16,
  });
  const stalls = new StallWatch(opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, (req, what) =>
    log(JSON.stringify({ time: new Date().toISOString(), level: 'warn', message: `${what === 'body' ? 'request body' : 'answer'} stalled: request ended`, method: req.method, path: (req.url ?? '').split('?')[0] })),
  );
  const stopLoopWatch = watchEventLoop((late) => log(JSON.stringify({ time: new Date().toISOString(), level: 'warn', message: 'event loop late', ...late })));
  /** Who a request counts against for the limits: its token, else the client's address. */
  const clientKey = (id: Identity, req: IncomingMessage) => (id.tokenId !== undefined ? `token:${id.tokenId}` : `addr:${req.socket.remoteAddress ?? '?'}`);
  const jobsFor = (key: string) => ((name, args, transfer) => pool.run(key, name, args, transfer)) as import('./hf-commit.js').JobRunner;
  // objects held before the served ranges were recorded (metadata schema 1): from the store's manifests
  const backfilled = await backfillServedRanges(store, meta);
  if (backfilled > 0) log(JSON.stringify({ time: new Date().toISOString(), level: 'notice', message: `recorded the served xorb ranges of ${backfilled} objects held before this version` }));
  const hookCommand = preReceiveHookCommand();
  const hfWrite = hfWriteApi({ root, meta, store, hookCommand, tmpDir, jobs: jobsFor });
  const grants = createUploadGrants({ secret: serverKey(root, 'upload-grant.key') }); // presigned LFS upload hrefs, for HF clients (upload-grant.ts)
  const xetTokens = chunkTransfer ? createXetTokens(serverKey(root, 'xet-secret')) : undefined; // the Xet CAS's tokens and fetch URLs (xet-tokens.ts)
  const web = webPages({ root, meta, store, version: opts.version, env: opts.env, log, sendBuffers, aheadWait: opts.aheadWait }); // HTML pages (web/web-routes.ts says which URLs)

  // git processes are started by a small helper process, off this event loop (launcher.ts)
  await startLauncher();
  const active = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    active.add(res);
    stalls.watch(req, res);
    // work computed ahead for the pages waits until the server is quiet; a health check does not
    // count (a load balancer asking every second would otherwise hold that work back for good)
    const answered = isHealthCheck(req) ? () => {} : web.requestBegin();
    let who = '-';
    res.on('close', () => {
      answered();
      active.delete(res);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log(JSON.stringify({ time: new Date().toISOString(), method: req.method, path: (req.url ?? '').split('?')[0], status: res.statusCode, ms: Math.round(ms), user: who, aborted: !res.writableFinished || undefined }));
    });
    route(req, res, (id) => (who = id.user?.name ?? (id.invalidToken ? 'invalid-token' : 'anonymous'))).catch((err: unknown) => {
      if (err instanceof GoneWhileWaiting) return; // answered already (the idle timeout) or the client left: nothing to send
      const e = toHttpError(err);
      if (e.status >= 500) log(JSON.stringify({ time: new Date().toISOString(), level: 'error', message: (err as Error)?.message }));
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // a body left unread (refused before reading it, or cut short) is drained up to a limit,
      // never parsed, and the answer waits for it (drainedOrLate says why); one declared larger
      // than the limit is answered at once and closes the connection after the answer
      const declared = Number(req.headers['content-length'] ?? 0);
      const answer = (close: boolean): void => {
        if (res.headersSent || res.destroyed) return;
        sendJson(res, e.status, { error: e.message, message: e.message, ...(e.code ? { code: e.code } : {}) }, close ? { ...e.headers, Connection: 'close' } : e.headers);
      };
      discardBody(req);
      if (req.complete) return answer(false);
      if (declared > DRAIN_LIMIT) return answer(true);
      // a connection kept alive reads the rest after the answer; one the client asked to close is
      // closed after it, and with the body still arriving that close would be a reset, which can
      // take the answer with it: that answer waits for the body (past half the drain limit, it goes
      // while discardBody drains on)
      if (!closesAfterAnswer(req)) return answer(false);
      void drainedOrLate(req, DRAIN_LIMIT / 2).then(() => answer(!req.complete));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.requestTimeout = 0; // git pushes and large uploads may take long
  // An idle keep-alive connection stays open 65 s (Node's default: 5 s). A Xet client builds its
  // next xorb between requests, compressing on its own event loop for seconds: undici cannot
  // close the idle socket meanwhile (its timer waits for that loop), so a server that closed it
  // first made the next POST fail with EPIPE (@huggingface/hub uploading a 256 MiB BF16 model: 6
  // runs of 7 failed so; none of 4 since).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000; // longer than keepAliveTimeout, as Node advises

  const baseUrl = (req: IncomingMessage) => publicUrl ?? `http://${req.headers.host ?? `${opts.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`}`;

  async function route(req: IncomingMessage, res: ServerResponse, setWho: (id: Identity) => void): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      throw new HttpError(400, 'invalid percent-encoding in the path');
    }
    // `..` and `.` segments are refused as sent, before URL parsing folds them away
    const rawPath = (req.url ?? '/').split('?')[0];
    if (path.includes('\0') || path.split('/').some((s) => s === '..' || s === '.') || rawPath.split('/').some((s) => s === '..' || s === '.')) throw new HttpError(400, 'invalid path');
    if (path === '/api/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok', version: opts.version });
    // the Xet CAS authenticates with its own tokens (xet-access.ts), never with a hub token
    if (xetTokens && isXetCasPath(url.pathname)) {
      const cas = { store, meta, tokens: xetTokens, tmpDir, base: baseUrl(req), jobs: jobsFor(`addr:${req.socket.remoteAddress ?? '?'}`), sendBuffers, presignedDownloads };
      return handleXetCas(req, res, url, cas);
    }
    const id = await identify(meta, req.headers.authorization);
    setWho(id);
    if (await web.handle(req, res, url, id, setWho)) return;
    const key = clientKey(id, req);
    if (path === '/api/repos/create' && req.method === 'POST') return hfWrite.createRepo(req, res, id, baseUrl(req), key);
    if (path === '/api/repos/delete') return hfWrite.deleteRepo(req, res, id);
    const tokens = tokenRoute(path);
    if (tokens) return handleTokens(req, res, tokens, id, meta, url.searchParams);
    const xetToken = xetTokens && matchXetTokenRoute(url.pathname); // the raw path, as the other HF routes
    if (xetToken) return handleXetToken(req, res, xetToken, id, meta, xetTokens, baseUrl(req));
    const hfw = matchHfWrite(url.pathname); // the raw path: an encoded `/` in a revision is no separator
    if (hfw) {
      await hfWrite.handle(req, res, hfw, id, baseUrl(req), key);
      const written = hfw.op === 'commit' && res.statusCode === 200 ? await meta.getRepo(hfw.type, hfw.owner, hfw.name) : undefined;
      if (written) web.afterWrite(written); // its commit page's diff, computed ahead
      return;
    }
    if (path === '/api/whoami-v2' && req.method === 'GET') {
      // the Hugging Face shape, so HF clients' whoAmI works too
      if (id.invalidToken) throw new HttpError(401, 'invalid token', { 'WWW-Authenticate': wwwAuthenticate() });
      if (!id.user) throw new HttpError(401, 'authentication required', { 'WWW-Authenticate': wwwAuthenticate() });
      return sendJson(res, 200, { type: 'user', name: id.user.name, isAdmin: id.user.admin, auth: { type: 'access_token', accessToken: { role: id.write ? 'write' : 'read' } } });
    }
    const hf = hfReadRoute(url.pathname); // the raw path: an encoded `/` in a revision is no separator
    // HF reads run git: they count against the same limits as git requests
    if (hf) return gitLimiter.run(key, () => handleHfRead(hf, req, res, url, { meta, store, root, id, baseUrl: baseUrl(req), xet: xetTokens !== undefined, sendBuffers }), goneSignal(res));

    const git = gitRoute(path);
    if (git) {
      const found = await meta.getRepo(git.type, git.owner, git.name);
      // http-backend reads the last `service`, so a second one could smuggle a push past a read check
      const services = url.searchParams.getAll('service');
      if (services.length > 1) throw new HttpError(400, 'more than one service parameter');
      const service = git.service === 'info/refs' ? services[0] : undefined;
      if (git.service === 'info/refs' && service !== 'git-upload-pack' && service !== 'git-receive-pack') {
        throw new HttpError(400, 'info/refs needs ?service=git-upload-pack or ?service=git-receive-pack (the dumb protocol is not served)');
      }
      const write = git.service === 'git-receive-pack' || service === 'git-receive-pack';
      const repo = await requireAccess(meta, id, found, write ? 'write' : 'read', 'git');
      const bareDir = repoDir(root, repo.type, repo.owner, repo.name);
      if (git.service === 'git-receive-pack') await refreshHook(bareDir, hookCommand); // a repository of an earlier version gets today's check
      const serve = () =>
        handleGitRequest(req, res, {
          projectRoot: join(root, 'repos'),
          pathInfo: gitPathInfo(repo.type, repo.owner, repo.name, git.service), // the stored spelling: names are case-insensitive
          query: service ? `service=${service}` : '', // rebuilt: git sees exactly what was checked
          remoteUser: id.user?.name ?? 'anonymous',
          env: { HUB_SERVE_DB: hookDatabase, HUB_REPO_ID: String(repo.id) },
          // the pre-receive check runs here, asked by the hook over a descriptor git inherits (hook-channel.ts)
          hookChannel: git.service === 'git-receive-pack' ? hookChannelFor(bareDir, { ...serverGitEnv(), HUB_SERVE_DB: hookDatabase, HUB_REPO_ID: String(repo.id) }) : undefined,
        });
      // a push runs holding the repository's update lock (across servers with PostgreSQL): its ref
      // updates never interleave with another server's push or HF commit
      await gitLimiter.run(key, () => (git.service === 'git-receive-pack' ? meta.withRepoLock(repo.id, serve) : serve()), goneSignal(res));
      if (git.service === 'git-receive-pack') web.afterWrite(repo); // the new heads' commit pages, computed ahead
      return;
    }

    const rp = parseRepoPath(path);
    if (rp && rp.rest[0] === 'info' && rp.rest[1] === 'lfs') {
      const ctx: RepoLfsContext = { store, meta, tmpDir, chunkTransfer, grants, xetTokens, sendBuffers, jobs: jobsFor(key), base: baseUrl(req) };
      if (await routeRepoLfs(req, res, url, rp, id, ctx)) return;
    }
    throw new HttpError(404, 'not found');
  }

  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 8080, host, () => resolve());
    });
  } catch (err) {
    stalls.close();
    stopLoopWatch();
    stopLauncher();
    gitLimiter.close();
    await pool.close();
    await web.close();
    store.close();
    await meta.close();
    throw listenError(err, host, opts.port ?? 8080);
  }
  // only once the server listens: a first admin token that could never be shown would lock the root
  const adminToken = await meta.createFirstAdminToken('first start');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    adminToken,
    async close(graceMs = 30_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const s of sockets) s.destroy();
      await closed;
      stalls.close();
      stopLoopWatch();
    stopLauncher();
      gitLimiter.close();
      await pool.close();
      await web.close();
      rmSync(tmpDir, { force: true, recursive: true });
      store.close();
      await meta.close();
    },
  };
}
