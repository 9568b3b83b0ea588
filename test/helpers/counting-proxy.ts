// A counting HTTP proxy for tests: forwards everything to a target server on 127.0.0.1 and counts
// what went over the wire, so a test can check "no content bytes moved" (or "no request at all")
// without trusting the client's own report.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy has seen since it started (or since the last reset). */
export interface WireCounts {
  /** Every request. */
  requests: number;
  /** Requests to Git LFS routes (paths containing `/info/lfs/`: batch, basic, chunk API). */
  lfsRequests: number;
  /** Response body bytes of those LFS routes. */
  lfsBytes: number;
}

/** A running counting proxy. */
export interface CountingProxy {
  url: string;
  counts: WireCounts;
  /** Sets every count back to zero. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the proxy in front of `target` (http://127.0.0.1:PORT). */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const t = new URL(target);
  const counts: WireCounts = { requests: 0, lfsRequests: 0, lfsBytes: 0 };
  const server: Server = createServer((req, res) => {
    counts.requests++;
    const lfs = (req.url ?? '').includes('/info/lfs/');
    if (lfs) counts.lfsRequests++;
    const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (lfs) upRes.on('data', (b: Buffer) => (counts.lfsBytes += b.length));
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    reset: () => Object.assign(counts, { requests: 0, lfsRequests: 0, lfsBytes: 0 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
