/**
 * `hub env`: what a bug report needs, as `git lfs env` prints it for git-lfs: versions (hub,
 * Node.js, git, git-lfs), where hub keeps its data, the server remembered by `hub login`, the
 * variables in effect, and for the current repository each remote with its git URL, its LFS
 * endpoints (found as git-lfs finds them), access mode and where credentials would come from.
 * Never a secret: URLs show a password as `***`, and credentials are named by source only.
 */
import { join } from 'node:path';
import { isHubError } from '../errors.js';
import { toolVersion } from '../repo/git-config.js';
import { findRepo } from '../repo/repository.js';
import { listRemotes } from '../repo/remotes.js';
import { hubHome } from '../store/paths.js';
import { redactUrl } from '../transfer/lfs-endpoint.js';
import { attemptsFrom } from '../transfer/retry.js';
import { concurrencyFrom } from '../transfer/transfer-queue.js';
import type { CoreContext } from './context.js';
import { rememberedEndpoint, resolveToken } from './sync/credentials.js';
import { isOffline } from './sync/offline.js';
import { remoteAccess } from './sync/remote-access.js';

/** One LFS endpoint of a remote, as `hub env` shows it. */
export interface EnvEndpoint {
  /** The endpoint URL (a password shown as `***`). */
  url: string;
  /** `none` or `basic` (lfs.<url>.access), as git lfs env's `auth=`. */
  access: string;
  /** The config key it came from (`lfs.url`, `remote.origin.lfsurl`, `remote.origin.url`, ...). */
  source: string;
}

/** A remote, as `hub env` shows it. */
export interface EnvRemote {
  name: string;
  /** The git URL (a password shown as `***`). */
  url: string;
  lfs: { download: EnvEndpoint; upload: EnvEndpoint };
  /**
   * Where credentials for the LFS endpoint would come from: `--token`, `HUB_TOKEN`, `HF_TOKEN`,
   * `hub login`, `url` (in the endpoint's or remote's URL), `credential helper`, or `none`.
   */
  credentials: string;
}

/** The `--json` shape of `hub env`. */
export interface EnvReport {
  hub: string;
  node: string;
  platform: string;
  git: string | null;
  gitLfs: string | null;
  hubHome: string;
  store: string;
  /** The server OWNER/NAME resolves against, and why. */
  endpoint: { url: string; from: 'HUB_ENDPOINT' | 'hub login' } | null;
  offline: boolean;
  concurrency: number;
  retries: number;
  /** The repository of the current directory (null outside one). */
  repository: { path: string; remotes: EnvRemote[] } | null;
}

/** Gathers the report; `hub` is hub's version (the CLI knows it). */
export async function envReport(ctx: CoreContext, hub: string): Promise<EnvReport> {
  const home = hubHome(ctx.env);
  const [git, gitLfs] = await Promise.all([toolVersion('git', ['--version'], ctx.env), toolVersion('git', ['lfs', 'version'], ctx.env)]);
  const fromEnv = ctx.env.HUB_ENDPOINT;
  const remembered = rememberedEndpoint(ctx.env);
  const endpoint = fromEnv ? { url: fromEnv, from: 'HUB_ENDPOINT' as const } : remembered ? { url: remembered, from: 'hub login' as const } : null;
  return {
    hub,
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    git,
    gitLfs,
    hubHome: home,
    store: join(home, 'store'),
    endpoint,
    offline: isOffline(ctx),
    concurrency: concurrencyFrom(ctx.env),
    retries: attemptsFrom(ctx.env),
    repository: await repository(ctx),
  };
}

async function repository(ctx: CoreContext): Promise<EnvReport['repository']> {
  let paths;
  try {
    paths = findRepo(ctx.cwd);
  } catch (err) {
    if (isHubError(err) && err.code === 'not_a_repo') return null;
    throw err;
  }
  const remotes: EnvRemote[] = [];
  for (const remote of await listRemotes(paths.gitdir)) {
    // never prompt: a report is no place for a password question
    const access = await remoteAccess({ ...ctx, interactive: false }, { remote, place: paths });
    const show = (op: 'download' | 'upload'): EnvEndpoint => {
      const ep = access.endpoint(op);
      return { url: redactUrl(ep.url), access: ep.access, source: ep.source };
    };
    remotes.push({ name: remote.name, url: redactUrl(remote.url), lfs: { download: show('download'), upload: show('upload') }, credentials: await credentialSource(ctx, access, remote.url) });
  }
  return { path: paths.workdir, remotes };
}

/** Where the credentials of a remote's LFS endpoint would come from (see EnvRemote.credentials). */
async function credentialSource(ctx: CoreContext, access: Awaited<ReturnType<typeof remoteAccess>>, remoteUrl: string): Promise<string> {
  const target = access.lfs('download');
  const sameServer = new URL(target.url).origin === new URL(remoteUrl).origin;
  const token = resolveToken(ctx, sameServer ? remoteUrl : target.url);
  if (token.token && (sameServer || token.source === 'login')) return token.from ?? 'token';
  const ep = access.endpoint('download').url;
  if (hasPassword(ep) || (sameServer && hasPassword(remoteUrl))) return 'url';
  return (await access.helperHas(target.url)) ? 'credential helper' : 'none';
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}
