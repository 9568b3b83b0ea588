// A counting HTTP proxy for tests: forwards everything to a target server on 127.0.0.1 and counts
// what went over the wire, so a test can check "no content bytes moved" (or "no request at all")
// without trusting the client's own report. It is the fault proxy with no faults, read through
// its request log.
import { startFaultProxy } from './fault-proxy.js';

/** What the proxy has seen since it started (or since the last reset). */
export interface WireCounts {
  /** Every request. */
  requests: number;
  /** Requests to large-file routes: Git LFS (paths containing `/info/lfs/`: batch, basic, chunk API) and the Xet CAS (`/api/xet-cas/`, xet token routes). */
  lfsRequests: number;
  /** Response body bytes of those routes. */
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
  const proxy = await startFaultProxy(target, []);
  const lfs = () => proxy.log.filter((r) => r.url.includes('/info/lfs/') || r.url.includes('/api/xet-cas/') || /\/xet-(read|write)-token\//.test(r.url));
  const counts: WireCounts = {
    get requests() {
      return proxy.log.length;
    },
    get lfsRequests() {
      return lfs().length;
    },
    get lfsBytes() {
      return lfs().reduce((n, r) => n + r.received, 0);
    },
  };
  return { url: proxy.url, counts, reset: () => void (proxy.log.length = 0), close: () => proxy.close() };
}
