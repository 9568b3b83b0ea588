/** `hub login`, `hub logout`, `hub whoami` against a hub server. */
import { PermissionError } from '../../errors.js';
import { requestJson } from '../../transfer/http-client.js';
import { isRecord, unexpectedAnswer } from '../../transfer/remote-answer.js';
import type { CoreContext } from '../context.js';
import { explainRejectedToken, forgetToken, rememberedEndpoint, rememberEndpoint, resolveToken, saveToken, resolveEndpoint, type ResolvedToken } from './credentials.js';

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

async function ask(endpoint: string, used: ResolvedToken & { token: string }, signal: AbortSignal): Promise<WhoAmIResponse> {
  const url = `${endpoint}/api/whoami-v2`;
  const expected = 'a whoami answer (Hugging Face API)';
  let doc: unknown;
  try {
    doc = await requestJson<unknown>({ method: 'GET', url, token: used.token, what: `checking the token with ${endpoint}`, expected, signal });
  } catch (err) {
    throw explainRejectedToken(err, used, endpoint);
  }
  if (!isRecord(doc) || typeof doc.name !== 'string') throw unexpectedAnswer(url, expected, doc === undefined ? 'an empty body' : 'JSON without a name');
  return doc as unknown as WhoAmIResponse;
}

/**
 * Checks `token` with the server, stores it (mode 0600) for that server and remembers the server
 * for later commands (OWNER/NAME, whoami, repo create), so HUB_ENDPOINT is not needed again.
 */
export async function login(ctx: CoreContext, opts: { token?: string; endpoint?: string; readToken?: () => Promise<string> }): Promise<WhoAmI> {
  const endpoint = resolveEndpoint(ctx, opts.endpoint);
  let used: ResolvedToken = opts.token ? { token: opts.token, source: 'option', from: '--token' } : ctx.env.HUB_TOKEN ? { token: ctx.env.HUB_TOKEN, source: 'env', from: 'HUB_TOKEN' } : { source: 'none' };
  if (!used.token && opts.readToken) used = { token: (await opts.readToken()).trim(), source: 'option', from: 'the prompt' };
  const token = used.token;
  if (!token) throw new PermissionError('no token given', { hint: 'pass --token TOKEN or set HUB_TOKEN (hub only prompts on a terminal)' }, 'no_token');
  const who = await ask(endpoint, { ...used, token }, ctx.signal);
  saveToken(ctx.env, endpoint, token);
  rememberEndpoint(ctx.env, endpoint);
  return { endpoint, name: who.name, write: who.auth?.accessToken?.role === 'write', admin: !!who.isAdmin, source: used.source === 'env' ? 'env' : 'option' };
}

/** Forgets the stored token of the server. */
export async function logout(ctx: CoreContext, opts: { endpoint?: string }): Promise<{ endpoint: string; removed: boolean }> {
  const endpoint = resolveEndpoint(ctx, opts.endpoint);
  if (rememberedEndpoint(ctx.env) === endpoint) rememberEndpoint(ctx.env, undefined);
  return { endpoint, removed: forgetToken(ctx.env, endpoint) };
}

/** Who the token in use belongs to; exit 4 at once when there is none. */
export async function whoami(ctx: CoreContext, opts: { endpoint?: string; token?: string }): Promise<WhoAmI> {
  const endpoint = resolveEndpoint(ctx, opts.endpoint);
  const used = resolveToken(ctx, endpoint, opts.token);
  const { token, source } = used;
  if (!token || source === 'none') throw new PermissionError(`not logged in to ${endpoint}`, { hint: "run 'hub login --token TOKEN' or set HUB_TOKEN" }, 'not_logged_in');
  const who = await ask(endpoint, { ...used, token }, ctx.signal);
  return { endpoint, name: who.name, write: who.auth?.accessToken?.role === 'write', admin: !!who.isAdmin, source };
}
