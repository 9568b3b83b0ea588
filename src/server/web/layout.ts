/**
 * The frame every web page shares (top bar, sign-in state, footer) and how pages are sent: with
 * a Content-Security-Policy that allows no script at all (the pages need none) and no inline
 * style, `nosniff`, no framing, and no caching of anything a session could see. Error pages
 * (404, 405, ...) are pages too; a repository the visitor may not read gets the same 404 as a
 * missing one.
 */
import type { ServerResponse } from 'node:http';
import type { User } from '../metadata.js';
import { html, type SafeHtml } from './html.js';

/** Who is looking, and what the frame needs to show it. */
export interface Viewer {
  user?: User;
  /** Whether the user is signed in by the session cookie (then the frame offers to log out). */
  session: boolean;
  /** CSRF token for the log-out form (set when `session`). */
  csrf?: string;
  /** The server's version, for the footer and the stylesheet URL. */
  version: string;
  /** The path of the page (after logging in, the visitor comes back to it). */
  here: string;
}

/** The Content-Security-Policy of every page: no scripts, styles only from the stylesheet. */
export const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data: https:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The whole HTML document of a page. */
export function layout(viewer: Viewer, title: string, body: SafeHtml): SafeHtml {
  const who = viewer.user
    ? html`<span>signed in as <a href="/${encodeURIComponent(viewer.user.name)}">${viewer.user.name}</a></span>${
        viewer.session
          ? html`<form method="post" action="/-/logout"><input type="hidden" name="csrf" value="${viewer.csrf ?? ''}"><button class="link" type="submit">Log out</button></form>`
          : ''
      }`
    : html`<a href="/-/login?next=${encodeURIComponent(viewer.here)}">Log in</a>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · hub</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/-/style.css?v=${encodeURIComponent(viewer.version)}"></head>
<body><header class="top"><a class="brand" href="/">hub</a><a href="/">Models</a><a href="/datasets">Datasets</a><span class="who">${who}</span></header>
<main>${body}</main>
<footer>hub ${viewer.version}</footer></body></html>
`;
}

/** Sends a page (HEAD: the headers only). */
export function sendHtml(res: ServerResponse, method: string | undefined, status: number, page: SafeHtml, headers: Record<string, string | string[]> = {}): void {
  const body = Buffer.from(page.text, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(method === 'HEAD' ? undefined : body);
}

/** The page of an error status: what went wrong, in one sentence, and the way home. */
export function errorPage(viewer: Viewer, status: number, message: string): SafeHtml {
  const login = status === 404 && !viewer.user ? html`<p class="muted">If it is a private repository, <a href="/-/login?next=${encodeURIComponent(viewer.here)}">log in</a> as someone who may read it.</p>` : '';
  return layout(viewer, String(status), html`<h1>${status === 404 ? 'Not found' : `Error ${status}`}</h1><p>${message}</p>${login}<p><a href="/">Back to the repositories</a></p>`);
}
