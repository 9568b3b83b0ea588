/**
 * Tokens: from `--token`, else HUB_TOKEN, else HF_TOKEN, else the credentials file `hub login` wrote
 * (`$HUB_HOME/credentials`, mode 0600, a JSON map from server origin to token). hub never
 * prompts unless stdin is a terminal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-file.js';
import { hubHome } from '../../store/paths.js';
import { UsageError } from '../../errors.js';
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

/** The endpoint from --endpoint or HUB_ENDPOINT. */
export function resolveEndpoint(ctx: CoreContext, endpoint: string | undefined): string {
  const e = endpoint ?? ctx.env.HUB_ENDPOINT;
  if (!e) throw new UsageError('no server given', { hint: 'pass --endpoint URL or set HUB_ENDPOINT' }, 'no_endpoint');
  let url: URL;
  try {
    url = new URL(e);
  } catch {
    throw new UsageError(`not a URL: ${e}`, {}, 'bad_endpoint');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`endpoint must be http(s): ${e}`, {}, 'bad_endpoint');
  return url.origin + url.pathname.replace(/\/$/, '');
}
