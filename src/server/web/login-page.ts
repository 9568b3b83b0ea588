/**
 * `/-/login` and `/-/logout`: the only forms of the web pages and the only POSTs they accept.
 * Logging in takes a token (as `hub login` does), checks it, and sets the session cookie
 * (session.ts); logging out removes it. Both forms carry the CSRF token of the visitor's
 * `hub_csrf` cookie and are refused when the browser says they come from another origin.
 */
import { readBody } from '../http-util.js';
import { html } from './html.js';
import { sendPage, type PageContext } from './page-context.js';
import { cookies, CSRF_COOKIE, parseCookies } from './session.js';

/** Largest form body accepted. */
const FORM_LIMIT = 8 * 1024;

/** Where to go after logging in: a path of this server, else `/`. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\u0000-\u001f]/.test(next)) return '/';
  return next;
}

/** True unless the browser says the request comes from another site (Origin, else Sec-Fetch-Site). */
export function sameOrigin(ctx: PageContext): boolean {
  const origin = ctx.req.headers.origin;
  if (origin !== undefined) return origin === `http://${ctx.req.headers.host}` || origin === `https://${ctx.req.headers.host}`;
  const site = ctx.req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

function form(ctx: PageContext, next: string, problem?: string, status = 200): void {
  const body = html`<h1>Log in</h1>
${problem ? html`<p class="err">${problem}</p>` : ''}
<form class="login" method="post" action="/-/login">
<label for="token">Access token (from <span class="mono">hub serve</span>'s first start or <span class="mono">hub token create</span>)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<input type="hidden" name="csrf" value="${ctx.viewer.csrf ?? ''}"><input type="hidden" name="next" value="${next}">
<button type="submit">Log in</button></form>
<p class="muted">The browser keeps a session cookie that only reads pages; the token itself is not stored where scripts could read it, and nothing can be changed through the session.</p>`;
  sendPage(ctx, 'Log in', body, status);
}

/** Reads and checks a form POST: same origin, the CSRF token of the `hub_csrf` cookie. Undefined when refused (answered). */
async function checkedForm(ctx: PageContext): Promise<URLSearchParams | undefined> {
  const text = (await readBody(ctx.req, FORM_LIMIT)).toString('utf8');
  const fields = new URLSearchParams(text);
  const nonce = parseCookies(ctx.req.headers.cookie).get(CSRF_COOKIE);
  if (!sameOrigin(ctx) || !ctx.deps.sessions.checkCsrf(nonce, fields.get('csrf') ?? undefined)) {
    sendPage(ctx, 'Refused', html`<h1>Refused</h1><p>This form was not sent from this site's own page (or it expired). <a href="/-/login">Try again</a>.</p>`, 403);
    return undefined;
  }
  return fields;
}

/** `GET /-/login` (the form) and `POST /-/login` (the check). */
export async function loginPage(ctx: PageContext): Promise<void> {
  if (ctx.req.method !== 'POST') return form(ctx, safeNext(ctx.url.searchParams.get('next')));
  const fields = await checkedForm(ctx);
  if (!fields) return;
  const next = safeNext(fields.get('next'));
  const token = (fields.get('token') ?? '').trim();
  const grant = token === '' ? undefined : await ctx.deps.meta.resolveToken(token);
  if (!grant) return form(ctx, next, 'That token is not valid.', 401);
  ctx.res.writeHead(303, { Location: next, 'Set-Cookie': cookies.session(ctx.deps.sessions.seal(token)), 'Cache-Control': 'no-store' }).end();
}

/** `POST /-/logout`. */
export async function logoutPage(ctx: PageContext): Promise<void> {
  const fields = await checkedForm(ctx);
  if (!fields) return;
  ctx.res.writeHead(303, { Location: '/', 'Set-Cookie': cookies.clearSession(), 'Cache-Control': 'no-store' }).end();
}
