/**
 * hub serve as a Xet CAS (docs/protocol.md "Xet"; Xet Protocol Specification 1.1, api.md), under
 * `<server>/api/xet-cas`, the `casUrl` its Xet token routes hand out (xet-access.ts):
 *
 * | route | token scope | handler |
 * | --- | --- | --- |
 * | `POST /v1/xorbs/default/HASH` | write | xet-upload.ts postXorb |
 * | `HEAD /v1/xorbs/default/HASH` | read | xet-download.ts headXorb |
 * | `POST /v1/shards` | write | xet-upload.ts postShard |
 * | `GET /v1/reconstructions/HASH`, `GET /v2/reconstructions/HASH` | read | xet-download.ts getReconstruction |
 * | `HEAD /v1/files/HASH` | read | xet-download.ts headFile |
 * | `GET /v1/chunks/default-merkledb/HASH` (and `default`, which the JS client sends) | read | xet-download.ts getDedup |
 * | `GET /fetch/HASH?…` | the URL's signature | xet-download.ts getFetch |
 *
 * Errors are JSON `{"error", "message"}` with the spec's statuses: 400 for a malformed hash or a
 * body that does not parse or verify, 401 for a missing, bad or expired token, 403 for a token
 * without the scope, 404, 413, 416.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FormatError, IntegrityError } from '../errors.js';
import type { Action } from './access.js';
import { HttpError } from './http-util.js';
import { casCaller, XET_CAS_PATH } from './xet-access.js';
import { getDedup, getFetch, getReconstruction, headFile, headXorb } from './xet-download.js';
import { postShard, postXorb } from './xet-upload.js';
import type { XetCasContext } from './xet-cas-context.js';


const HEX64 = /^[0-9a-f]{64}$/;

/** A matched CAS route, before its token is checked. */
type CasRoute =
  | { kind: 'xorb-upload' | 'xorb-head' | 'file-head' | 'dedup' | 'fetch'; hash: string }
  | { kind: 'reconstruction'; hash: string; version: 1 | 2 }
  | { kind: 'shard' };

/** True when `pathname` is under the CAS. */
export function isXetCasPath(pathname: string): boolean {
  return pathname === XET_CAS_PATH || pathname.startsWith(`${XET_CAS_PATH}/`);
}

function hash(value: string | undefined, what: string): string {
  if (!value || !HEX64.test(value)) throw new HttpError(400, `invalid ${what} hash: expected 64 lowercase hex digits (Xet's hash form)`);
  return value;
}

/** The route `method` `pathname` names (404/405 otherwise). */
function casRoute(method: string, pathname: string): CasRoute {
  const seg = pathname.slice(XET_CAS_PATH.length).split('/').slice(1);
  const [v, kind, a, b, extra] = seg;
  const allow = (allowed: string) => {
    if (!allowed.split(', ').includes(method)) throw new HttpError(405, `${method} is not supported here`, { Allow: allowed });
  };
  if (v === 'v1' && kind === 'xorbs' && b !== undefined && extra === undefined) {
    if (a !== 'default') throw new HttpError(400, `unknown xorb prefix ${JSON.stringify(a)}: the only prefix is "default"`);
    allow('POST, HEAD');
    return { kind: method === 'POST' ? 'xorb-upload' : 'xorb-head', hash: hash(b, 'xorb') };
  }
  if (v === 'v1' && kind === 'shards' && a === undefined) {
    allow('POST');
    return { kind: 'shard' };
  }
  if ((v === 'v1' || v === 'v2') && kind === 'reconstructions' && a !== undefined && b === undefined) {
    allow('GET');
    return { kind: 'reconstruction', hash: hash(a, 'file'), version: v === 'v1' ? 1 : 2 };
  }
  if (v === 'v1' && kind === 'files' && a !== undefined && b === undefined) {
    allow('HEAD');
    return { kind: 'file-head', hash: hash(a, 'file') };
  }
  if (v === 'v1' && kind === 'chunks' && b !== undefined && extra === undefined) {
    if (a !== 'default-merkledb' && a !== 'default') throw new HttpError(400, `unknown dedup prefix ${JSON.stringify(a)}: the only prefix is "default-merkledb"`);
    allow('GET');
    return { kind: 'dedup', hash: hash(b, 'chunk') };
  }
  if (v === 'fetch' && kind !== undefined && a === undefined) {
    allow('GET, HEAD');
    return { kind: 'fetch', hash: hash(kind, 'xorb') };
  }
  throw new HttpError(404, 'not found');
}

const WRITES = new Set(['xorb-upload', 'shard']);

/** Serves one CAS request (`url` is the request's URL, `pathname` still percent-encoded). */
export async function handleXetCas(req: IncomingMessage, res: ServerResponse, url: URL, ctx: XetCasContext): Promise<void> {
  const method = req.method ?? 'GET';
  const route = casRoute(method, url.pathname);
  try {
    if (route.kind === 'fetch') return await getFetch(req, res, ctx, route.hash, url.searchParams);
    const action: Action = WRITES.has(route.kind) ? 'write' : 'read';
    const caller = await casCaller(ctx.meta, ctx.tokens, req.headers.authorization, action); // before any body is read
    switch (route.kind) {
      case 'xorb-upload':
        return await postXorb(req, res, ctx, caller, route.hash);
      case 'xorb-head':
        return headXorb(res, ctx, caller, route.hash);
      case 'shard':
        return await postShard(req, res, ctx, caller);
      case 'reconstruction':
        return await getReconstruction(req, res, ctx, caller, route.hash, route.version);
      case 'file-head':
        return headFile(res, ctx, caller, route.hash);
      case 'dedup':
        return await getDedup(res, ctx, caller, route.hash);
    }
  } catch (err) {
    // what the uploaded bytes got wrong: the spec's 400, with the one-line reason and its code
    if (err instanceof IntegrityError || err instanceof FormatError) throw new HttpError(400, err.message, {}, err.code);
    throw err;
  }
}
