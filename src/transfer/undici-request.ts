/**
 * undici's `request`, without the rest of undici. `import { request } from 'undici'` runs
 * undici's index.js, which loads the whole package (fetch, WebSocket, EventSource, cookies,
 * caches, mock agents, HTTP/2, proxies): 42 ms of every network command's start on this machine,
 * where the three modules `request` uses take 15 ms (docs/performance.md, "Client start").
 * Written by hand because undici exports no smaller entry point: this is what its index.js
 * builds `request` from (`makeDispatcher(api.request)`: the URL checked by undici's own
 * parseURL, split into origin and path, the method defaulted, the global dispatcher unless one
 * is given), for the `(url, options)` calls hub makes. Every HTTP test runs through it.
 */
import type { Dispatcher, request as undiciRequest } from 'undici';
import apiRequest from 'undici/lib/api/api-request.js';
import undiciGlobal from 'undici/lib/global.js';
import util from 'undici/lib/core/util.js';

/** undici's `request(url, options)`. */
export const request: typeof undiciRequest = ((url: string | URL, opts: Parameters<typeof undiciRequest>[1] = {}) => {
  const u = util.parseURL(url);
  const { dispatcher = undiciGlobal.getGlobalDispatcher(), ...rest } = opts ?? {};
  if ((rest as { agent?: unknown }).agent) throw new TypeError('unsupported opts.agent. Did you mean opts.client?');
  const options = { ...rest, origin: u.origin, path: u.search ? `${u.pathname}${u.search}` : u.pathname, method: rest.method || (rest.body ? 'PUT' : 'GET') } as Dispatcher.RequestOptions;
  return apiRequest.call(dispatcher, options);
}) as typeof undiciRequest;
