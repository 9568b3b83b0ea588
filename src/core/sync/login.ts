/** `hub login`, `hub logout`, `hub whoami` against a hub server. */
import { PermissionError } from '../../errors.js';
import { requestJson } from '../../transfer/http-client.js';
import { isRecord, unexpectedAnswer } from '../../transfer/remote-answer.js';
import type { CoreContext } from '../context.js';
import { forgetToken, resolveToken, saveToken, resolveEndpoint } from './credentials.js';

/** Who a token belongs to, as the server says. */
export interface WhoAmI {
  endpoint: string;
  name: string;
  write: boolean;
  admin: boolean;
  /** Where the token came from. */
  source: 'option' | 'env' | 'login';
}

interface WhoAmIResponse {
  name: string;
  auth?: { accessToken?: { role?: string } };
  isAdmin?: boolean;
}

async function ask(endpoint: string, token: string, signal: AbortSignal): Promise<WhoAmIResponse> {
  const url = `${endpoint}/api/whoami-v2`;
  const expected = 'a whoami answer (Hugging Face API)';
  const doc = await requestJson<unknown>({ method: 'GET', url, token, what: `checking the token with ${endpoint}`, expected, signal });
  if (!isRecord(doc) || typeof doc.name !== 'string') throw unexpectedAnswer(url, expected, doc === undefined ? 'an empty body' : 'JSON without a name');
  return doc as unknown as WhoAmIResponse;
}

/** Checks `token` with the server and stores it (mode 0600) for that server. */
export async function login(ctx: CoreContext, opts: { token?: string; endpoint?: string; readToken?: () => Promise<string> }): Promise<WhoAmI> {
  const endpoint = resolveEndpoint(ctx, opts.endpoint);
  let token = opts.token ?? ctx.env.HUB_TOKEN;
  if (!token && opts.readToken) token = (await opts.readToken()).trim();
  if (!token) throw new PermissionError('no token given', { hint: 'pass --token TOKEN or set HUB_TOKEN (hub only prompts on a terminal)' }, 'no_token');
  const who = await ask(endpoint, token, ctx.signal);
  saveToken(ctx.env, endpoint, token);
  return { endpoint, name: who.name, write: who.auth?.accessToken?.role === 'write', admin: !!who.isAdmin, source: opts.token ? 'option' : 'env' };
}

/** Forgets the stored token of the server. */
export async function logout(ctx: CoreContext, opts: { endpoint?: string }): Promise<{ endpoint: string; removed: boolean }> {
  const endpoint = resolveEndpoint(ctx, opts.endpoint);
  return { endpoint, removed: forgetToken(ctx.env, endpoint) };
}

/** Who the token in use belongs to; exit 4 at once when there is none. */
export async function whoami(ctx: CoreContext, opts: { endpoint?: string; token?: string }): Promise<WhoAmI> {
  const endpoint = resolveEndpoint(ctx, opts.endpoint);
  const { token, source } = resolveToken(ctx, endpoint, opts.token);
  if (!token || source === 'none') throw new PermissionError(`not logged in to ${endpoint}`, { hint: "run 'hub login --token TOKEN' or set HUB_TOKEN" }, 'not_logged_in');
  const who = await ask(endpoint, token, ctx.signal);
  return { endpoint, name: who.name, write: who.auth?.accessToken?.role === 'write', admin: !!who.isAdmin, source };
}
