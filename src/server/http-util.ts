/** Small HTTP helpers of `hub serve`: JSON responses, bounded JSON bodies, one error type. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-error.js';
import { parseJsonBody, type JsonLimits } from './json-scan.js';

export { HttpError }; // routes take it from here with the other HTTP helpers

/** Sends `body` as JSON with `status` (content type application/json unless given). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Reads a JSON request body of at most `limit` bytes (413 beyond), refusing one that nests or
 * holds more than `limits` allow before parsing it (json-scan.ts; 400), and one that is not JSON.
 */
export async function readJsonBody(req: IncomingMessage, limit: number, limits: JsonLimits = {}): Promise<unknown> {
  return parseJsonBody(await readBody(req, limit), limits);
}

/**
 * The chunks of a request body, for `for await`. Leaving the loop early (a refusal) does not
 * destroy the request: destroying it would reset the connection before the refusal is sent;
 * the rest of the body is drained by whoever answers (discardBody).
 */
export function bodyChunks(req: IncomingMessage): AsyncIterable<Buffer> {
  return req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
}

/** Reads a whole request body of at most `limit` bytes (413 beyond). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `request body too large: ${declared} bytes (limit ${limit})`);
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of bodyChunks(req)) {
    total += part.length;
    // the rest is drained (up to DRAIN_LIMIT, then the connection closes) by whoever answers
    if (total > limit) throw new HttpError(413, `request body too large (limit ${limit} bytes)`);
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** How much of an unread request body the server drains after refusing it, to keep the connection usable. */
export const DRAIN_LIMIT = 16 << 20;

/** True when Node closes `req`'s connection after the answer: the client asked so (`Connection: close`), or speaks HTTP/1.0. */
export function closesAfterAnswer(req: IncomingMessage): boolean {
  return /(^|,)\s*close\s*(,|$)/i.test(req.headers.connection ?? '') || (req.httpVersionMajor === 1 && req.httpVersionMinor === 0);
}

/** How long a refusal waits at most for the rest of the body it did not read (drainedOrLate). */
export const LINGER_MS = 5_000;
/** How long a refusal waits for the next bytes of a body before it answers anyway (a stalled client is not waited for). */
export const LINGER_IDLE_MS = 100;

/**
 * Resolves once the rest of `req`'s body has arrived (and been discarded: discardBody), or more
 * than `limit` bytes of it did, or no byte came for `idleMs`, or after `lingerMs`, or when the
 * client went away. A refusal sent while the client is still sending its body makes the server
 * close a socket with unread bytes, which Linux answers with a reset, and a reset can take the
 * refusal with it before the client reads it (CI met that: a 401 to a 3 MiB batch body, read as
 * an empty answer): the refusal is sent once the body is in instead, its text and status
 * unchanged. A client that stops sending is answered after `idleMs`. Only for a connection that
 * closes after the answer (closesAfterAnswer): one kept alive reads the rest of the body after it.
 */
export function drainedOrLate(req: IncomingMessage, limit = DRAIN_LIMIT, idleMs = LINGER_IDLE_MS, lingerMs = LINGER_MS): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let seen = 0;
    let idle = setTimeout(() => done(), idleMs);
    const timer = setTimeout(() => done(), lingerMs);
    const done = (): void => {
      clearTimeout(timer);
      clearTimeout(idle);
      req.off('end', done).off('close', done).off('error', done).off('data', count);
      resolve();
    };
    const count = (part: Buffer): void => {
      seen += part.length;
      if (seen > limit) return done();
      clearTimeout(idle);
      idle = setTimeout(done, idleMs);
    };
    req.on('end', done).on('close', done).on('error', done).on('data', count);
  });
}

/**
 * Drains and discards the rest of a request body (so keep-alive connections stay usable and the
 * client can read the answer), but at most `limit` bytes: past that the connection is closed.
 */
export function discardBody(req: IncomingMessage, limit = DRAIN_LIMIT): void {
  let seen = 0;
  req.on('data', (part: Buffer) => {
    seen += part.length;
    if (seen > limit) req.socket.destroy();
  });
  req.resume();
}
