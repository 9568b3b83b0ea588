/** `hub clone URL|OWNER/NAME [DIR] [--no-checkout]`: history over smart HTTP, content through the store. */
import { existsSync, readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ConflictError } from '../errors.js';
import { flattenTree, readCommit } from '../repo/object-store.js';
import { lfsPointersOfCommit } from '../repo/lfs-oids.js';
import { initRepo } from '../repo/repository.js';
import { setHeadToBranch } from '../repo/refs.js';
import { cloneHistory } from '../repo/sync.js';
import { createGitHttp } from '../transfer/git-http-plugin.js';
import { restore } from './checkout.js';
import type { CoreContext } from './context.js';
import { resolveToken } from './credentials.js';
import { fetchContent } from './fetch-content.js';
import { withStore } from './open-store.js';
import { remoteUrl } from './remote.js';
import { pathFilter } from './path-filter.js';

/** The `--json` shape of `hub clone`. */
export interface CloneResult {
  path: string;
  remote: string;
  branch: string | null;
  commit: string | null;
  largeFiles: number;
  /** Large files left as pointers by --include/--exclude. */
  notFetched: string[];
  transfer: string | null;
  bytesReceived: number;
}

/** Clones a repository and checks out its default branch with every large file verified. */
export async function clone(ctx: CoreContext, source: string, dir: string | undefined, opts: { token?: string; noCheckout?: boolean; version: string; include?: string[]; exclude?: string[] }): Promise<CloneResult> {
  const url = remoteUrl(ctx, source);
  const target = resolve(ctx.cwd, dir ?? basename(new URL(url).pathname).replace(/\.git$/, ''));
  if (existsSync(target) && readdirSync(target).length > 0) throw new ConflictError(`destination ${target} exists and is not empty`, {}, 'destination_exists');
  const { token } = resolveToken(ctx, url, opts.token);
  const { branch, commit } = await cloneHistory({ dir: target, url, http: createGitHttp({ token }) });
  await initRepo(target, opts.version);
  const result: CloneResult = { path: target, remote: url, branch: branch ?? null, commit: commit ?? null, largeFiles: 0, notFetched: [], transfer: null, bytesReceived: 0 };
  await withStore(ctx, (store) => store.index.registerRepo(target));
  if (!commit) {
    // an empty repository: start on hub's default branch (isomorphic-git would leave `master`)
    setHeadToBranch(`${target}/.git`, 'main');
    result.branch = 'main';
  }
  if (!commit || opts.noCheckout) return result;
  const gitdir = `${target}/.git`;
  const selected = pathFilter(opts.include, opts.exclude);
  const pointers = await lfsPointersOfCommit(gitdir, commit);
  result.largeFiles = pointers.length;
  const wanted = pointers.filter((p) => selected(p.path));
  result.notFetched = pointers.filter((p) => !selected(p.path)).map((p) => p.path);
  const fetched = await withStore(ctx, (store) => fetchContent(store, url, wanted, token));
  result.transfer = fetched.transfer;
  result.bytesReceived = fetched.bytesReceived;
  // an empty index and working tree: the index from HEAD, then the files from the index
  if (pointers.length || (await flattenTree(gitdir, (await readCommit(gitdir, commit)).tree)).length) {
    const here = { ...ctx, cwd: target };
    await restore(here, ['.'], { staged: true });
    await restore(here, ['.'], { leavePointer: (p) => !selected(p) });
  }
  return result;
}
