import { afterAll, beforeAll } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { startHubServe, type TestServer } from './hub-server.js';

/** A suite's `hub serve` and the recording proxy in front of it (no faults), set by beforeAll. */
export interface ServedBehindProxy {
  server: TestServer;
  proxy: FaultProxy;
}

/**
 * Starts a `hub serve` with a recording proxy in front of it before the suite's tests and stops
 * both after them. Call at the top of a describe; read the fields inside tests.
 */
export function serveBehindProxy(): ServedBehindProxy {
  const served = {} as ServedBehindProxy;
  beforeAll(async () => {
    served.server = await startHubServe();
    served.proxy = await startFaultProxy(served.server.url, []);
  });
  afterAll(async () => {
    await served.proxy?.close();
    await served.server?.stop();
  });
  return served;
}
