/**
 * How transfer requests are authenticated, as git-lfs does it (lfsapi/auth.go): the caller
 * (core) supplies an {@link Authenticator} that knows the hub token, credentials in URLs and
 * git's credential helpers; this module only runs the request loop: send with the headers the
 * authenticator gives, and after a 401 ask it once more (it may fill credentials from a helper,
 * or reject the ones that failed), at most three times; a 2xx tells it the credentials worked.
 */
import type { Dispatcher } from 'undici';

/** Supplies and learns about the credentials of requests. */
export interface Authenticator {
  /** The headers that authenticate a request to `url` (`{}` for none). */
  headers(url: string): Promise<Record<string, string>>;
  /** A 401 answered a request to `url` sent with `sent`; true when new headers are worth another try. */
  unauthorized(url: string, sent: Record<string, string>): Promise<boolean>;
  /** A 2xx answered a request to `url` sent with `sent` (the credentials are good: git's `approve`). */
  succeeded(url: string, sent: Record<string, string>): Promise<void>;
}

/** No credentials at all. */
export const anonymous: Authenticator = {
  headers: async () => ({}),
  unauthorized: async () => false,
  succeeded: async () => {},
};

/** An authenticator that sends `token` as a Bearer token (hub's own servers), or nothing. */
export function bearer(token: string | undefined): Authenticator {
  return token ? { ...anonymous, headers: async () => ({ authorization: `Bearer ${token}` }) } : anonymous;
}

/** A Git LFS API endpoint and how to authenticate to it. */
export interface LfsTarget {
  /** The API base (`…/info/lfs`), without credentials. */
  url: string;
  auth: Authenticator;
  /** The transfer adapters to offer the batch API, in order (lfs-client.ts DEFAULT_TRANSFERS when unset; HUB_TRANSFER). */
  transfers?: readonly string[];
}

/** Attempts before a 401 is final (git-lfs's defaultMaxAuthAttempts, plus its one for access `none`). */
const AUTH_ATTEMPTS = 4;

/**
 * Runs `send(headers)` against `url` with the authenticator's headers, again after a 401 while
 * the authenticator has new ones to try; the last answer is returned (a 401 body unread).
 */
export async function sendWithAuth<R extends Pick<Dispatcher.ResponseData, 'statusCode' | 'body'>>(auth: Authenticator, url: string, send: (headers: Record<string, string>) => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const sent = await auth.headers(url);
    const res = await send(sent);
    if (res.statusCode === 401 && attempt < AUTH_ATTEMPTS && (await auth.unauthorized(url, sent))) {
      await res.body.dump();
      continue;
    }
    if (res.statusCode >= 200 && res.statusCode < 300) await auth.succeeded(url, sent);
    return res;
  }
}

/**
 * The authenticator of an LFS action's href: the action's own `header` when it carries an
 * Authorization (the server's grant), else `auth`'s headers for the href with the action's added.
 */
export function forAction(auth: Authenticator, header: Record<string, string> | undefined): Authenticator {
  const own = header ?? {};
  if (Object.keys(own).some((k) => k.toLowerCase() === 'authorization')) return { ...anonymous, headers: async () => own };
  return {
    headers: async (url) => ({ ...(await auth.headers(url)), ...own }),
    unauthorized: (url, sent) => auth.unauthorized(url, sent),
    succeeded: (url, sent) => auth.succeeded(url, sent),
  };
}
