/**
 * How one command reaches a remote: the git smart-HTTP plugin and the Git LFS endpoint (found by
 * git-lfs's rules, transfer/lfs-endpoint.ts, over the configuration git-lfs would read,
 * repo/git-config.ts), both authenticated by RemoteAuth (hub tokens, URL credentials, git's
 * credential helpers).
 */
import type { GitConfigValues } from '../../formats/git-config-values.js';
import { readLfsGitConfig, type ConfigPlace } from '../../repo/git-config.js';
import { credentialFill } from '../../repo/git-credential.js';
import { createGitHttp, type GitHttpPlugin } from '../../transfer/git-http-plugin.js';
import type { LfsTarget } from '../../transfer/lfs-auth.js';
import { transfersFrom } from '../../transfer/lfs-client.js';
import { lfsEndpointOf, lfsUrlOfCloneUrl, withoutCredentials, type LfsEndpoint, type LfsOperation } from '../../transfer/lfs-endpoint.js';
import type { CoreContext } from '../context.js';
import { resolveToken, storedToken } from './credentials.js';
import { RemoteAuth } from './remote-auth.js';

/** A remote as a command uses it. */
export interface RemoteAccess {
  /** The git remote's URL. */
  url: string;
  /** A fresh git smart-HTTP plugin (isomorphic-git takes one per operation). */
  git(): GitHttpPlugin;
  /** The LFS endpoint for `operation`, with its authentication. */
  lfs(operation: LfsOperation): LfsTarget;
  /** The endpoint git-lfs would use for `operation` (URL as configured, access mode, config key). */
  endpoint(operation: LfsOperation): LfsEndpoint;
  /** Whether git's credential helper has credentials for the server of `url` (asked without a prompt; nothing is kept). */
  helperHas(url: string): Promise<boolean>;
  /** Whether the git requests would carry credentials without asking a helper (a token, the URL's, or ones this command was given). */
  gitHasCredentials(): boolean;
}

/** Options of {@link remoteAccess}. */
export interface RemoteAccessOptions {
  /** The remote's name (`origin` for a clone) and git URL. */
  remote: { name: string; url: string };
  /** `--token`. */
  token?: string;
  /** The repository whose configuration (and `.lfsconfig`) count; none for a download cache. */
  place?: ConfigPlace;
}

/** The access to one remote for one command (configuration read once). */
export async function remoteAccess(ctx: CoreContext, opts: RemoteAccessOptions): Promise<RemoteAccess> {
  const config = opts.place ? await readLfsGitConfig({ env: ctx.env, ...opts.place }) : undefined;
  const { name, url } = opts.remote;
  const token = resolveToken(ctx, url, opts.token);
  const credentials = { cwd: opts.place?.workdir ?? opts.place?.gitdir ?? ctx.cwd, env: ctx.env, interactive: !!ctx.interactive, signal: ctx.signal };
  const base = { remoteUrl: url, token, storedToken: (u: string) => storedToken(ctx.env, u), credentials, config: opts.place };
  const gitAuth = new RemoteAuth({ ...base, tokenAs: 'basic' });
  const endpoints = new Map<LfsOperation, LfsTarget>();
  const endpoint = (operation: LfsOperation): LfsEndpoint => endpointFor(config, name, url, operation);
  return {
    url,
    git: () => createGitHttp({ auth: gitAuth, signal: ctx.signal }),
    gitHasCredentials: () => gitAuth.hasCredentials(url),
    endpoint,
    async helperHas(u) {
      const describe = new URL(u).origin === new URL(url).origin ? new URL(url) : new URL(u);
      return (await credentialFill(describe, { ...credentials, interactive: false })) !== undefined;
    },
    lfs(operation) {
      let t = endpoints.get(operation);
      if (!t) {
        const ep = endpoint(operation);
        t = { url: withoutCredentials(ep.url), auth: new RemoteAuth({ ...base, tokenAs: 'bearer', endpoint: ep }), transfers: transfersFrom(ctx.env) };
        endpoints.set(operation, t);
      }
      return t;
    },
  };
}

/** The endpoint from configuration, else (no git, no config) the default of the remote's URL. */
function endpointFor(config: GitConfigValues | undefined, remote: string, url: string, operation: LfsOperation): LfsEndpoint {
  const found = config ? lfsEndpointOf(config, remote, operation) : undefined;
  return found ?? { url: lfsUrlOfCloneUrl(url), access: 'none', source: `remote.${remote}.url` };
}
