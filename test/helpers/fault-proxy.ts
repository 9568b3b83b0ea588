// A fault-injecting HTTP proxy for tests: forwards to a target server on 127.0.0.1 and applies,
// to matching requests, one of a few failures a fixed number of times.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';

/** What a rule does to a matching request. */
export type Fault = 'status404' | 'status500' | 'status429' | 'reset-request' | 'reset-response' | 'truncate' | 'corrupt' | 'slow' | 'throttle' | 'portal' | 'half-body' | 'transform';

/** What a captive portal answers to every request: a login page, status 200. */
export const PORTAL_PAGE = '<!DOCTYPE html>\n<html><head><title>Hotel Wi-Fi</title></head><body><form action="/login">Accept the terms to get online</form></body></html>\n';

/** A rule: requests `match` accepts get `fault`, `times` times (Infinity for always). */
export interface FaultRule {
  match: (req: IncomingMessage) => boolean;
  fault: Fault;
  times: number;
  hits?: number;
  /** For 'throttle': bytes per second in each direction of each request (default 1 MiB/s). */
  rate?: number;
  /** For 'transform': the response body the client gets instead of the server's (same status and headers, Content-Length adjusted). */
  transform?: (body: Buffer) => Buffer;
  /** With any fault that forwards the request: the request body the server gets instead of the client's (Content-Length adjusted). */
  transformRequest?: (body: Buffer) => Buffer;
}

/** `headers` without Transfer-Encoding (a body sent whole, with its length). */
function withoutTransferEncoding(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const { 'transfer-encoding': _chunked, ...rest } = headers;
  return rest;
}

/** Copies `from` to `to` at about `rate` bytes per second, then ends `to`. */
function throttled(from: Readable, to: Writable, rate: number): void {
  from.on('data', (b: Buffer) => {
    from.pause();
    to.write(b);
    setTimeout(() => from.resume(), (b.length * 1000) / rate);
  });
  from.on('end', () => to.end());
}

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  method: string;
  url: string;
  range?: string;
  /** The request's Authorization header, if any. */
  authorization?: string;
  /** Request body bytes (uploads) and response body bytes passed on to the client. */
  sent: number;
  received: number;
  /** The whole response was passed on. */
  done: boolean;
  /** When the request arrived and when its response was all passed on (performance.now() ms). */
  at: number;
  doneAt?: number;
}

/** A running proxy. */
export interface FaultProxy {
  url: string;
  host: string;
  rules: FaultRule[];
  /** Every request, in arrival order. */
  log: ProxiedRequest[];
  /** Most requests whose URL contains each key of `watch` that were open at once. */
  maxInFlight: Map<string, number>;
  /** URL parts whose concurrency `maxInFlight` tracks. */
  watch: string[];
  close(): Promise<void>;
}

/** Starts the proxy in front of `target` (http://127.0.0.1:PORT). */
export async function startFaultProxy(target: string, rules: FaultRule[]): Promise<FaultProxy> {
  const t = new URL(target);
  const log: ProxiedRequest[] = [];
  const maxInFlight = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const watch: string[] = [];
  const server: Server = createServer((req, res) => {
    const entry: ProxiedRequest = { method: req.method ?? '', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization, sent: 0, received: 0, done: false, at: performance.now() };
    log.push(entry);
    res.once('finish', () => {
      entry.done = true;
      entry.doneAt = performance.now();
    });
    req.on('data', (b: Buffer) => (entry.sent += b.length));
    const writeRaw = res.write.bind(res);
    res.write = ((chunk: Buffer | string, ...rest: never[]) => {
      entry.received += Buffer.byteLength(chunk);
      return writeRaw(chunk, ...rest);
    }) as typeof res.write;
    const endRaw = res.end.bind(res);
    res.end = ((chunk?: Buffer | string | (() => void), ...rest: never[]) => {
      if (chunk && typeof chunk !== 'function') entry.received += Buffer.byteLength(chunk);
      return endRaw(chunk as Buffer, ...rest);
    }) as typeof res.end;
    for (const key of watch) {
      if (!entry.url.includes(key)) continue;
      const n = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, n);
      maxInFlight.set(key, Math.max(maxInFlight.get(key) ?? 0, n));
      res.once('close', () => inFlight.set(key, inFlight.get(key)! - 1));
    }
    const rule = rules.find((r) => r.match(req) && (r.hits ?? 0) < r.times);
    if (rule) rule.hits = (rule.hits ?? 0) + 1;
    const fault = rule?.fault;
    if (fault === 'status500' || fault === 'status429' || fault === 'status404') {
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({ error: fault === 'status500' ? 'injected failure' : fault === 'status404' ? 'not found' : 'slow down', message: 'injected' });
        res.writeHead(fault === 'status500' ? 500 : fault === 'status404' ? 404 : 429, { 'content-type': 'application/json', ...(fault === 'status429' ? { 'retry-after': '0' } : {}) });
        res.end(body);
      });
      return;
    }
    if (fault === 'portal') {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PORTAL_PAGE);
      });
      return;
    }
    if (fault === 'reset-request') {
      req.once('data', () => req.socket.destroy());
      req.resume();
      return;
    }
    const forward = (sending?: Buffer) => {
      const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: sending ? { ...withoutTransferEncoding(req.headers), 'content-length': String(sending.length) } : req.headers }, (upRes) => {
        if (fault === 'half-body') {
          // the first half of the answer, ended cleanly: a body that is complete on the wire but cut
          const parts: Buffer[] = [];
          upRes.on('data', (b: Buffer) => parts.push(b));
          upRes.on('end', () => {
            const body = Buffer.concat(parts);
            const headers = { ...upRes.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            res.writeHead(upRes.statusCode ?? 502, headers);
            res.end(body.subarray(0, body.length >> 1));
          });
          return;
        }
        if (fault === 'transform') {
          const parts: Buffer[] = [];
          upRes.on('data', (b: Buffer) => parts.push(b));
          upRes.on('end', () => {
            const body = rule!.transform!(Buffer.concat(parts));
            const { 'transfer-encoding': _chunked, ...headers } = upRes.headers; // the whole body goes with its length
            res.writeHead(upRes.statusCode ?? 502, { ...headers, 'content-length': String(body.length) });
            res.end(body);
          });
          return;
        }
        if (fault === 'corrupt' || fault === 'truncate' || fault === 'reset-response') {
          const parts: Buffer[] = [];
          upRes.on('data', (b: Buffer) => parts.push(b));
          upRes.on('end', () => {
            const body = Buffer.concat(parts);
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            if (fault === 'corrupt') {
              if (body.length) body[body.length >> 1] ^= 0x01;
              res.end(body);
            } else {
              // cut once the half is handed to the kernel (which still sends it before the FIN):
              // under load a fixed delay could cut what was still queued in the process, and the
              // log would count bytes the client never got
              res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
            }
          });
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (fault === 'throttle') {
          throttled(upRes, res, rule!.rate ?? 1 << 20);
        } else if (fault === 'slow') {
          upRes.on('data', (b: Buffer) => {
            upRes.pause();
            res.write(b);
            setTimeout(() => upRes.resume(), 30);
          });
          upRes.on('end', () => res.end());
        } else upRes.pipe(res);
      });
      up.on('error', () => res.destroy());
      if (sending) up.end(sending);
      else if (fault === 'throttle') {
        // a client that gives up (Ctrl-C) abandons the upstream request too, as a real proxy would
        res.once('close', () => {
          if (!res.writableFinished) up.destroy();
        });
        throttled(req, up, rule!.rate ?? 1 << 20);
      } else req.pipe(up);
    };
    if (rule?.transformRequest) {
      const parts: Buffer[] = [];
      req.on('data', (b: Buffer) => parts.push(b));
      req.on('end', () => forward(rule.transformRequest!(Buffer.concat(parts))));
    } else forward();
  });
  // idle client connections stay as long as hub serve keeps them (app.ts): with Node's 5 s a client
  // whose event loop was busy for seconds (the JS client compressing its next xorb) reused a socket
  // the proxy had just closed, and failed with ECONNRESET
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    rules,
    log,
    maxInFlight,
    watch,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
