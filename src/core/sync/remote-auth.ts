/**
 * The credentials of one command's requests to a remote, in git's and git-lfs's order:
 *
 * 1. a hub token (hub servers): `--token`, HUB_TOKEN or HF_TOKEN for the git remote's server,
 *    and the token `hub login` stored for whichever server a request goes to;
 * 2. credentials in the URL (the LFS endpoint's, else the git remote's on the same server);
 * 3. git's credential helpers (`git credential fill`): up front when the endpoint's access mode
 *    is `basic`, else after a 401 to a request that carried no credentials, which also records
 *    `lfs.<endpoint>.access = basic` in the repository as git-lfs does. Credentials that worked
 *    are approved, rejected ones are rejected (helpers forget them).
 *
 * A 401 that hub cannot answer is a PermissionError (exit 4) of one line naming where the
 * refused credentials came from. No message holds a secret.
 */
import { PermissionError } from '../../errors.js';
import { credentialApprove, credentialFill, credentialReject, type CredentialContext, type GitCredential } from '../../repo/git-credential.js';
import { setLocalConfig, type ConfigPlace } from '../../repo/git-config.js';
import type { Authenticator } from '../../transfer/lfs-auth.js';
import { withoutCredentials } from '../../transfer/lfs-endpoint.js';
import type { ResolvedToken } from './credentials.js';

/** What a RemoteAuth knows. */
export interface RemoteAuthOptions {
  /** The git remote's URL (its server gets the option/env token; its credentials count for that server). */
  remoteUrl: string;
  /** The token resolved for the git remote. */
  token: ResolvedToken;
  /** The token `hub login` stored for a server, by URL. */
  storedToken: (url: string) => string | undefined;
  /** How a token is sent: `bearer` (LFS and the API) or `basic` (git smart HTTP, as `git clone http://user:TOKEN@…`). */
  tokenAs: 'bearer' | 'basic';
  /** The LFS endpoint, with its access mode (absent for git traffic). */
  endpoint?: { url: string; access: string };
  /** Where to record `lfs.<url>.access` (a repository), if anywhere. */
  config?: ConfigPlace;
  credentials: CredentialContext;
}

/** Where the credentials of a request came from. */
type Kind = 'token' | 'url' | 'helper';

/** The Authenticator of a command's requests (see the module comment). */
export class RemoteAuth implements Authenticator {
  private access: string;
  /** Credentials a helper gave in this command, by server (origin), and whether they were approved. */
  private readonly filled = new Map<string, { cred: GitCredential; approved: boolean }>();
  /** What each Authorization header sent came from, by header value. */
  private readonly kinds = new Map<string, { kind: Kind; origin: string }>();

  constructor(private readonly opts: RemoteAuthOptions) {
    this.access = opts.endpoint?.access ?? 'none';
  }

  /** Whether some credentials would be sent to `url` without asking a helper. */
  hasCredentials(url: string): boolean {
    const origin = new URL(url).origin;
    return !!(this.tokenFor(origin) || this.urlCredentials(origin) || this.filled.has(origin));
  }

  async headers(url: string): Promise<Record<string, string>> {
    const origin = new URL(url).origin;
    const token = this.tokenFor(origin);
    if (token) return this.header(this.opts.tokenAs === 'bearer' ? `Bearer ${token}` : basic('hub', token), 'token', origin);
    const inUrl = this.urlCredentials(origin);
    if (inUrl) return this.header(basic(inUrl.username, inUrl.password), 'url', origin);
    let got = this.filled.get(origin);
    if (!got && this.access === 'basic') got = await this.fill(url);
    return got ? this.header(basic(got.cred.username, got.cred.password), 'helper', origin) : {};
  }

  async unauthorized(url: string, sent: Record<string, string>): Promise<boolean> {
    const origin = new URL(url).origin;
    const was = sent.authorization ? this.kinds.get(sent.authorization) : undefined;
    if (!was) {
      // no credentials went: ask the helper, as git-lfs does (and remember that this endpoint wants them)
      await this.upgradeAccess(origin);
      if (await this.fill(url)) return true;
      throw new PermissionError(`${origin} asks for credentials (HTTP 401), and git's credential helper gave none`, { hint: this.opts.credentials.interactive ? 'check the user name and password' : "configure one (git config --global credential.helper store), put the credentials in the remote's URL, or run on a terminal to be asked", data: { status: 401 } }, 'no_credentials');
    }
    if (was.kind === 'token') {
      const from = this.opts.token.token && this.tokenFor(origin) === this.opts.token.token ? (this.opts.token.from ?? 'the token') : 'hub login';
      throw new PermissionError(`${origin} rejected the token from ${from} (HTTP 401)`, { hint: from === 'hub login' ? "run 'hub login' again with a valid token" : `check or unset ${from}`, data: { status: 401 } }, 'unauthorized');
    }
    if (was.kind === 'url') throw new PermissionError(`${origin} rejected the credentials in the URL (HTTP 401)`, { hint: "correct the user name and password in the remote's URL", data: { status: 401 } }, 'credentials_rejected');
    const got = this.filled.get(origin);
    this.filled.delete(origin);
    if (got) await credentialReject(got.cred, this.opts.credentials);
    if (this.opts.credentials.interactive && (await this.fill(url))) return true; // git prompts again
    throw new PermissionError(`${origin} rejected the credentials git's credential helper gave (HTTP 401); the helper was told to forget them`, { hint: 'store the right ones (git credential approve) or run on a terminal to be asked', data: { status: 401 } }, 'credentials_rejected');
  }

  async succeeded(url: string, sent: Record<string, string>): Promise<void> {
    const was = sent.authorization ? this.kinds.get(sent.authorization) : undefined;
    if (was?.kind !== 'helper') return;
    const got = this.filled.get(was.origin);
    if (!got || got.approved) return;
    got.approved = true;
    await credentialApprove(got.cred, this.opts.credentials);
  }

  private header(value: string, kind: Kind, origin: string): Record<string, string> {
    this.kinds.set(value, { kind, origin });
    return { authorization: value };
  }

  /** A hub token for `origin`: the option/env one for the git remote's server, else what `hub login` stored for it. */
  private tokenFor(origin: string): string | undefined {
    const { token, source } = this.opts.token;
    if (token && source !== 'login' && origin === new URL(this.opts.remoteUrl).origin) return token;
    return this.opts.storedToken(origin);
  }

  /** `user:password@` of the LFS endpoint's URL, else of the git remote's URL, on `origin`. */
  private urlCredentials(origin: string): { username: string; password: string } | undefined {
    for (const raw of [this.opts.endpoint?.url, this.opts.remoteUrl]) {
      if (!raw) continue;
      const u = new URL(raw);
      if (u.origin === origin && u.password) return { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    }
    return undefined;
  }

  /** Asks `git credential fill` for the server of `url` (described by the git remote's URL when it is that server's, as git-lfs does). */
  private async fill(url: string): Promise<{ cred: GitCredential; approved: boolean } | undefined> {
    const origin = new URL(url).origin;
    const remote = new URL(this.opts.remoteUrl);
    const endpoint = this.opts.endpoint ? new URL(this.opts.endpoint.url) : undefined;
    const describe = remote.origin === origin ? remote : endpoint?.origin === origin ? endpoint : new URL(url);
    const cred = await credentialFill(describe, this.opts.credentials);
    if (!cred) return undefined;
    const got = { cred, approved: false };
    this.filled.set(origin, got);
    return got;
  }

  /** After a 401 to the LFS endpoint with no credentials: its access becomes `basic`, recorded in the repository (git-lfs's SetAccess). */
  private async upgradeAccess(origin: string): Promise<void> {
    const ep = this.opts.endpoint;
    if (!ep || new URL(ep.url).origin !== origin || this.access === 'basic') return;
    this.access = 'basic';
    if (this.opts.config) await setLocalConfig(this.opts.config, `lfs.${withoutCredentials(ep.url)}.access`, 'basic');
  }
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
