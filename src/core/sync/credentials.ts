/**
 * Tokens: from `--token`, else HUB_TOKEN, else HF_TOKEN, else the credentials file `hub login` wrote
 * (`$HUB_HOME/credentials`, mode 0600, a JSON map from server origin to token: a token is the
 * server's, whatever path a URL on it has). hub never prompts unless stdin is a terminal.
 * The server: `--endpoint`, else HUB_ENDPOINT, else the one `hub login` remembered
 * (`$HUB_HOME/config.json`, `{"endpoint": URL}`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-file.js';
import { hubHome } from '../../store/paths.js';
import { PermissionError, UsageError, isHubError } from '../../errors.js';
import type { CoreContext } from '../context.js';

function credentialsPath(env: NodeJS.ProcessEnv): string {
  return join(hubHome(env), 'credentials');
}

function readAll(env: NodeJS.ProcessEnv): Record<string, string> {
  const path = credentialsPath(env);
  if (!existsSync(path)) return {};
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    return typeof doc === 'object' && doc !== null ? (doc as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** Rewrites the credentials file: mode 0600 from its first byte (the token is never readable by others), atomically. */
function writeAll(env: NodeJS.ProcessEnv, all: Record<string, string>): void {
  writeFileAtomic(credentialsPath(env), `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
}

/** The origin (scheme://host:port) tokens are stored under. */
export function originOf(url: string): string {
  return new URL(url).origin;
}

/** Stores `token` for the server at `url`. */
export function saveToken(env: NodeJS.ProcessEnv, url: string, token: string): void {
  writeAll(env, { ...readAll(env), [originOf(url)]: token });
}

/** Forgets the token of the server at `url`; true when there was one. */
export function forgetToken(env: NodeJS.ProcessEnv, url: string): boolean {
  const all = readAll(env);
  const key = originOf(url);
  if (!(key in all)) return false;
  delete all[key];
  writeAll(env, all);
  return true;
}

/** Where a token came from. */
export type TokenSource = 'option' | 'env' | 'login' | 'none';

/** A token and its source; `from` names it for messages (`--token`, `HUB_TOKEN`, `HF_TOKEN`, `hub login`). */
export interface ResolvedToken {
  token?: string;
  source: TokenSource;
  from?: string;
}

/** The token to use for `url`: explicit, HUB_TOKEN, HF_TOKEN (as the `hf` tools read it), or the stored one. */
export function resolveToken(ctx: CoreContext, url: string, explicit?: string): ResolvedToken {
  if (explicit) return { token: explicit, source: 'option', from: '--token' };
  if (ctx.env.HUB_TOKEN) return { token: ctx.env.HUB_TOKEN, source: 'env', from: 'HUB_TOKEN' };
  if (ctx.env.HF_TOKEN) return { token: ctx.env.HF_TOKEN, source: 'env', from: 'HF_TOKEN' };
  const stored = storedToken(ctx.env, url);
  return stored ? { token: stored, source: 'login', from: 'hub login' } : { source: 'none' };
}

/** The token `hub login` stored for the server of `url` (any path on it), if any. */
export function storedToken(env: NodeJS.ProcessEnv, url: string): string | undefined {
  return readAll(env)[originOf(url)];
}

function configPath(env: NodeJS.ProcessEnv): string {
  return join(hubHome(env), 'config.json');
}

/** The server `hub login` remembered, if any. */
export function rememberedEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const doc = JSON.parse(readFileSync(configPath(env), 'utf8')) as { endpoint?: unknown };
    return typeof doc?.endpoint === 'string' ? doc.endpoint : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers `endpoint` as the server of later commands (undefined: forget it). */
export function rememberEndpoint(env: NodeJS.ProcessEnv, endpoint: string | undefined): void {
  writeFileAtomic(configPath(env), `${JSON.stringify(endpoint ? { endpoint } : {}, null, 2)}\n`);
}

/**
 * A 401 answering a request that carried `used` becomes an error naming where the token came
 * from (`the token from HUB_TOKEN was rejected`); anything else is returned as it is.
 */
export function explainRejectedToken(err: unknown, used: ResolvedToken, server: string): unknown {
  if (!isHubError(err) || (err.data as { status?: number } | undefined)?.status !== 401 || !used.token) return err;
  const from = used.from ?? 'the token';
  return new PermissionError(`${originOf(server)} rejected the token from ${from} (HTTP 401)`, { hint: used.source === 'login' ? "run 'hub login' again with a valid token" : `check or unset ${from}`, data: { status: 401 }, cause: err }, 'unauthorized');
}

/** The endpoint from --endpoint, HUB_ENDPOINT, or the one `hub login` remembered. */
export function resolveEndpoint(ctx: CoreContext, endpoint: string | undefined): string {
  const e = endpoint ?? ctx.env.HUB_ENDPOINT ?? rememberedEndpoint(ctx.env);
  if (!e) throw new UsageError('no server given', { hint: "pass --endpoint URL, set HUB_ENDPOINT, or run 'hub login --endpoint URL' once" }, 'no_endpoint');
  let url: URL;
  try {
    url = new URL(e);
  } catch {
    throw new UsageError(`not a URL: ${e}`, {}, 'bad_endpoint');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`endpoint must be http(s): ${e}`, {}, 'bad_endpoint');
  return url.origin + url.pathname.replace(/\/$/, '');
}
