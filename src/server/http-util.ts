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
