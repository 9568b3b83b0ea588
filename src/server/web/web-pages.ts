/**
 * The web pages of `hub serve` (issue 16, docs/server.md "Web pages"): server-rendered HTML, no
 * script, one stylesheet. app.ts asks {@link WebPages.handle} first; it answers only the URLs
 * web-routes.ts claims (so every API, git, LFS and HF route keeps its own) and, for a browser
 * signed in by cookie, GET/HEAD downloads through the HF `resolve`/`raw` routes. Pages only read:
 * they answer GET and HEAD (405 otherwise); the log-in and log-out forms are the only POSTs.
 *
 * Who is looking: an `Authorization` header as everywhere (a bad token is a 401 page), else the
 * session cookie (read-only, session.ts), else anonymous. Repositories are shown by the API's
 * access rule, and one the visitor may not read is the same 404 as a missing one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFoundError, PermissionError, UsageError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Identity } from '../access.js';
import { handleHfRead, hfReadRoute } from '../hf-read.js';
import { HttpError } from '../http-util.js';
import { sendBufferPool } from '../send-range.js';
import type { BufferPool } from '../../fs/buffer-pool.js';
import type { Metadata, RepoRecord } from '../metadata.js';
import { blobPage } from './blob-page.js';
import { commitPage, comparePage } from './commit-page.js';
import { commitsPage } from './commits-page.js';
import { computeAhead, computeAheadAtStart } from './compute-ahead.js';
import { ContentPool, type ContentPoolOptions } from './content-pool.js';
import { homePage, ownerPage } from './home-page.js';
import { GitObjects } from './git-objects.js';
import { errorPage, sendHtml, type Viewer } from './layout.js';
import { loginPage, logoutPage } from './login-page.js';
import type { PageContext, WebDeps } from './page-context.js';
import { RepoFacts } from './repo-facts.js';
import { repoPage } from './repo-page.js';
import { cookies, CSRF_COOKIE, newNonce, parseCookies, SESSION_COOKIE, sessionKey, Sessions } from './session.js';
import { STYLESHEET } from './style.js';
import { treePage } from './tree-page.js';
import { matchWebRoute, type WebRoute } from './web-routes.js';

/** What the pages need from the server. */
export interface WebPagesOptions {
  root: string;
  meta: Metadata;
  store: Store;
  version: string;
  env?: NodeJS.ProcessEnv;
  /** Where errors of pages are logged (one JSON line each). */
  log?: (line: string) => void;
  /** The server's send buffers (a signed-in browser's downloads read into them); default a pool of the pages' own. */
  sendBuffers?: BufferPool;
  /** How work computed ahead waits for a quiet server (content-pool.ts; defaults: a quiet second, each wait at most 5 s). */
  aheadWait?: Pick<ContentPoolOptions, 'quietMs' | 'pauseMs'>;
}

/** The web pages of one server. */
export interface WebPages {
  /** Answers `req` when it is a page (or a cookie-authorised download) and resolves true; false when it is not one. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, id: Identity, setWho?: (id: Identity) => void): Promise<boolean>;
  /**
   * Told when a repository may have new commits (a push or a commit through the API ended):
   * what the pages of its branch heads need is computed in the background (compute-ahead.ts),
   * so that their first views find it cached. Never throws; nothing waits for it.
   */
  afterWrite(repo: RepoRecord): void;
  /**
   * Says a request is being answered, whatever it is (but a health check: the server calls it for
   * every other), until the returned function is called: work computed ahead waits meanwhile and
   * for a quiet second after (content-pool.ts).
   */
  requestBegin(): () => void;
  /** Stops the content workers and the git object readers. */
  close(): Promise<void>;
}

/** The HTTP status of an error a page threw. */
function statusOf(err: unknown): { status: number; message: string; headers: Record<string, string> } {
  if (err instanceof HttpError) return { status: err.status, message: err.message, headers: err.headers.Allow ? { Allow: err.headers.Allow } : {} };
  if (err instanceof NotFoundError) return { status: 404, message: err.message, headers: {} };
  if (err instanceof UsageError) return { status: 400, message: err.message, headers: {} };
  if (err instanceof PermissionError) return { status: 403, message: err.message, headers: {} };
  return { status: 500, message: 'Something went wrong on the server.', headers: {} };
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/** Builds the pages of a server. */
export function webPages(opts: WebPagesOptions): WebPages {
  const objects = new GitObjects();
  const sendBuffers = opts.sendBuffers ?? sendBufferPool();
  const deps: WebDeps = {
    root: opts.root,
    meta: opts.meta,
    store: opts.store,
    version: opts.version,
    pool: new ContentPool({ storeDir: opts.store.paths.root, storage: opts.store.storage, env: opts.env, ...opts.aheadWait }),
    facts: new RepoFacts(objects),
    sessions: new Sessions(sessionKey(opts.root)),
  };

  // a server with repositories to show starts its content workers now (a worker takes a few
  // hundred milliseconds of CPU to load its modules), not when a visitor waits for the first
  // file page, and computes ahead for the repositories pushed to last (compute-ahead.ts); an
  // empty one does both when the first push or page arrives
  void opts.meta.listRepos().then(
    (existing) => {
      if (existing.length === 0) return;
      setImmediate(() => {
        deps.pool.warm();
        void computeAheadAtStart(deps, existing).catch(() => {});
      });
    },
    () => {}, // a server closed at once: nothing to warm
  );

  async function page(ctx: PageContext, route: WebRoute): Promise<void> {
    switch (route.page) {
      case 'home':
        return homePage(ctx, route.type);
      case 'owner':
        return ownerPage(ctx, route.owner);
      case 'login':
        return loginPage(ctx);
      case 'logout':
        return logoutPage(ctx);
      case 'repo':
        return repoPage(ctx, route);
      case 'tree':
        return treePage(ctx, route);
      case 'blob':
        return blobPage(ctx, route);
      case 'commits':
        return commitsPage(ctx, route);
      case 'commit':
        return commitPage(ctx, route);
      case 'compare':
        return comparePage(ctx, route);
      case 'style':
        return;
      case 'bad':
        throw new HttpError(400, route.message);
    }
  }

  function allowed(route: WebRoute): string[] {
    if (route.page === 'login') return ['GET', 'HEAD', 'POST'];
    if (route.page === 'logout') return ['POST'];
    return ['GET', 'HEAD'];
  }

  async function answer(req: IncomingMessage, res: ServerResponse, url: URL, id: Identity, route: WebRoute | undefined, setWho?: (id: Identity) => void): Promise<boolean> {
    // the session cookie counts only without an Authorization header, and only here
    const sessionOf = () => (req.headers.authorization === undefined && req.headers.cookie !== undefined ? deps.sessions.identity(deps.meta, req) : undefined);
    if (!route) {
      // a signed-in browser following a download link: the HF read route, as the session's user
      const hf = READ_METHODS.has(req.method ?? '') && req.headers.cookie !== undefined ? hfReadRoute(url.pathname) : undefined;
      const session = hf && (hf.kind === 'resolve' || hf.kind === 'raw') ? await sessionOf() : undefined;
      if (!hf || !session) return false;
      setWho?.(session);
      await handleHfRead(hf, req, res, url, { meta: deps.meta, store: deps.store, root: deps.root, id: session, baseUrl: `http://${req.headers.host ?? '127.0.0.1'}`, sendBuffers });
      return true;
    }
    if (route.page === 'style') {
      if (!READ_METHODS.has(req.method ?? '')) throw new HttpError(405, `${req.method} is not supported here`, { Allow: 'GET, HEAD' });
      const css = Buffer.from(STYLESHEET, 'utf8');
      res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8', 'Content-Length': css.length, 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : css);
      return true;
    }
    const session = await sessionOf();
    const headers: string[] = [];
    const cookieJar = parseCookies(req.headers.cookie);
    if (session) setWho?.(session);
    else if (cookieJar.has(SESSION_COOKIE) && req.headers.authorization === undefined) headers.push(cookies.clearSession()); // expired or revoked
    const who: Identity = session ?? id;
    let nonce = cookieJar.get(CSRF_COOKIE);
    if (!nonce && (session || route.page === 'login')) {
      nonce = newNonce();
      headers.push(cookies.csrf(nonce));
    }
    const viewer: Viewer = { user: who.user, session: !!session, csrf: nonce ? deps.sessions.csrfToken(nonce) : undefined, version: deps.version, here: `${url.pathname}${url.search}` };
    const ctx: PageContext = { deps, req, res, url, id: who, viewer };
    deps.pool.warm(); // most pages need a content worker: the first page a visitor opens starts them
    const extra: Record<string, string[]> = headers.length ? { 'Set-Cookie': headers } : {};
    if (headers.length) res.setHeader('Set-Cookie', headers); // with whatever the page answers (a page, a redirect)
    try {
      if (id.invalidToken) throw new HttpError(401, 'The token sent with this request is not valid.');
      const methods = allowed(route);
      if (!methods.includes(req.method ?? 'GET')) throw new HttpError(405, `${req.method} is not supported here: pages only read.`, { Allow: methods.join(', ') });
      await page(ctx, route);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return true;
      }
      const e = statusOf(err);
      if (e.status >= 500) opts.log?.(JSON.stringify({ time: new Date().toISOString(), level: 'error', message: `web page ${url.pathname}: ${(err as Error)?.message ?? String(err)}` }));
      req.resume();
      sendHtml(res, req.method, e.status, errorPage(viewer, e.status, e.message), { ...e.headers, ...extra });
    }
    return true;
  }

  return {
    handle: (req, res, url, id, setWho) => answer(req, res, url, id, matchWebRoute(url.pathname), setWho),
    requestBegin: () => deps.pool.requestBegin(),
    afterWrite: (repo) => void computeAhead(deps, repo).catch(() => {}),
    close: () => {
      objects.close();
      return deps.pool.close();
    },
  };
}
