/**
 * What every page handler gets: the server's parts, the request, who is looking, and helpers to
 * send a page or open the repository a page is about, with the access rule of the API: a
 * repository the visitor may not read answers exactly like a missing one (404).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../access.js';
import { authorize } from '../access.js';
import { repoDir } from '../bare-repos.js';
import { BareRepo } from '../git-read.js';
import { HttpError } from '../http-util.js';
import type { Metadata, RepoRecord } from '../metadata.js';
import type { Store } from '../../store/store.js';
import type { ContentPool } from './content-pool.js';
import { layout, sendHtml, type Viewer } from './layout.js';
import type { RepoFacts } from './repo-facts.js';
import type { Sessions } from './session.js';
import type { SafeHtml } from './html.js';
import type { RepoRef } from './web-routes.js';

/** The parts of the server the pages use. */
export interface WebDeps {
  root: string;
  meta: Metadata;
  store: Store;
  version: string;
  pool: ContentPool;
  facts: RepoFacts;
  sessions: Sessions;
}

/** One request to a page. */
export interface PageContext {
  deps: WebDeps;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  id: Identity;
  viewer: Viewer;
}

/** A repository the visitor may read, opened. */
export interface OpenRepo {
  record: RepoRecord;
  bare: BareRepo;
  /** `/OWNER/NAME` or `/datasets/OWNER/NAME` in the stored spelling, encoded. */
  base: string;
  /** `OWNER/NAME`. */
  fullName: string;
}

/** The message of the 404 of a repository that is missing or hidden (one text for both). */
export const REPO_NOT_FOUND = 'No repository by that name, or you may not see it.';

/** Sends `body` framed by the layout. */
export function sendPage(ctx: PageContext, title: string, body: SafeHtml, status = 200, headers: Record<string, string | string[]> = {}): void {
  sendHtml(ctx.res, ctx.req.method, status, layout(ctx.viewer, title, body), headers);
}

/** The URL path of a repository's pages. */
export function repoBase(r: { type: RepoRecord['type']; owner: string; name: string }): string {
  return `${r.type === 'dataset' ? '/datasets' : ''}/${encodeURIComponent(r.owner)}/${encodeURIComponent(r.name)}`;
}

/** Whether `id` may read `repo` (the API's rule). */
export async function mayRead(meta: Metadata, id: Identity, repo: RepoRecord | undefined): Promise<boolean> {
  return (await authorize(meta, { ...id, invalidToken: false }, repo, 'read')).ok;
}

/** Which of `oids` repository `repoId` holds (the content workers read only those). */
export function heldBy(meta: Metadata, repoId: number): (oids: string[]) => Promise<boolean[]> {
  return async (oids) => {
    const sizes = await meta.objectSizes(repoId, oids);
    return oids.map((o) => sizes.has(o));
  };
}

/** The repository of a route if the visitor may read it; otherwise the 404 every hidden or missing repository gets. */
export async function openRepo(ctx: PageContext, ref: RepoRef): Promise<OpenRepo> {
  const record = await ctx.deps.meta.getRepo(ref.type, ref.owner, ref.name);
  if (!record || !(await mayRead(ctx.deps.meta, ctx.id, record))) throw new HttpError(404, REPO_NOT_FOUND);
  return {
    record,
    bare: new BareRepo(repoDir(ctx.deps.root, record.type, record.owner, record.name)),
    base: repoBase(record),
    fullName: `${record.owner}/${record.name}`,
  };
}
