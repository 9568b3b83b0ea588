/** Small HTTP helpers of `hub serve`: JSON responses, bounded JSON bodies, one error type. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonBody, type JsonLimits } from './json-scan.js';

/** An error that becomes an HTTP response: status, a JSON body `{"error": message}`, extra headers. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}, readonly code?: string) {
    super(message);
  }
}

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

/** Reads a whole request body of at most `limit` bytes (413 beyond). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `request body too large: ${declared} bytes (limit ${limit})`);
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    total += part.length;
    // part of the body is unread and the stream is abandoned: the connection cannot be reused
    if (total > limit) throw new HttpError(413, `request body too large (limit ${limit} bytes)`, { Connection: 'close' });
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** Drains and discards the rest of a request body (so keep-alive connections stay usable). */
export function discardBody(req: IncomingMessage): void {
  req.resume();
}
