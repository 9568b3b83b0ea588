/**
 * The write half of the Hugging Face–compatible API of `hub serve` (docs/server.md):
 *
 * - `POST /api/repos/create` `{name, organization?, type?, private? | visibility?, files?}`
 *   -> `{id, type, private, url}` (what @huggingface/hub's createRepo and huggingface_hub read).
 * - `DELETE /api/repos/delete` `{name, organization?, type?}` -> `{id, type, deleted: true}`
 *   (huggingface_hub's delete_repo): the owner or an admin, with a write token.
 * - `POST /api/{models,datasets}/OWNER/NAME/preupload/REV` `{files: [{path, size, sample}],
 *   gitAttributes?}` -> `{files: [{path, uploadMode: "lfs" | "regular", shouldIgnore: false}]}`.
 * - `POST /api/{models,datasets}/OWNER/NAME/commit/REV` (NDJSON or JSON, hf-commit-payload.ts)
 *   -> `{success: true, commitOid, commitUrl, hookOutput: ""}`, a real git commit (hf-commit.ts).
 *
 * REV is routed from the raw path: `refs%2Fheads%2Fmain` and `refs/heads/main` both work. Every
 * route checks write access with hfRepo before it reads the body (a repository the caller may not
 * see is 404 RepoNotFound; an anonymous write to a public one 401). Bodies are parsed and file
 * contents decoded on the server's worker threads, except small pieces (`jobs`). Commits to one
 * branch are serialised in this process, and every commit is applied holding the repository's
 * update lock (`Metadata.withRepoLock`: across servers with PostgreSQL), as a git push is; the
 * compare-and-swap of the ref update still guards the branch.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import { authorize, wwwAuthenticate, type Identity } from './access.js';
import { badRepoSegment, createBareRepo, deleteBareRepo, repoDir, validateRepoName } from './bare-repos.js';
import { decodeSegment, hfError, hfRepo } from './hf-access.js';
import { applyCommit, CommitStaging, commitTarget, type CommitContext, type JobRunner } from './hf-commit.js';
import { readNdjsonPayload, type CommitHeader, type LineStager } from './hf-commit-payload.js';
import { stageLine, type StagedOperation } from './hf-commit-stage.js';
import { PREUPLOAD_BODY_LIMIT } from './hf-preupload.js';
import { HttpError, readBody, readJsonBody, sendJson } from './http-util.js';
import type { Metadata, RepoRecord, User } from './metadata.js';

export { LFS_SIZE_THRESHOLD, uploadMode } from './hf-preupload.js';

/** What the write API needs from the server. */
export interface HfWriteDeps {
  root: string;
  meta: Metadata;
  store: Store;
  /** The pre-receive hook command new bare repositories get. */
  hookCommand: string;
  /** Where commit payloads wait while they are checked (emptied at server start). */
  tmpDir: string;
  /** The job runner for a caller (`key`: token or client address), on the server's worker threads. */
  jobs: (key: string) => JobRunner;
}

/** A write route: which operation, on which repository and revision (all decoded). */
export interface HfWriteRoute {
  op: 'preupload' | 'commit';
  type: 'model' | 'dataset';
  owner: string;
  name: string;
  rev: string;
}

const JSON_COMMIT_LIMIT = 64 << 20;
const CREATE_BODY_LIMIT = 64 << 20;
/** Pieces up to this size are parsed on the event loop; larger ones on a worker. */
const INLINE_BYTES = 64 << 10;

/** The write route the raw (still percent-encoded) `pathname` names, if any. */
export function matchHfWrite(pathname: string): HfWriteRoute | undefined {
  const m = /^\/api\/(models|datasets)\/([^/]+)\/([^/]+)\/(preupload|commit)\/(.+)$/.exec(pathname);
  if (!m) return undefined;
  const rev = m[5].split('/').map(decodeSegment).join('/');
  return { op: m[4] as HfWriteRoute['op'], type: m[1] === 'datasets' ? 'dataset' : 'model', owner: decodeSegment(m[2]), name: decodeSegment(m[3]), rev };
}

/** `bytes` as a buffer of its own, so it can move to a worker without taking a shared pool with it. */
function movable(bytes: Buffer): { bytes: Uint8Array; transfer: ArrayBuffer[] } {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Buffer.from(bytes);
  return { bytes: own, transfer: [own.buffer as ArrayBuffer] };
}

/** The write API over `deps`; its state (one queue of commits per branch) lives as long as the server. */
export function hfWriteApi(deps: HfWriteDeps) {
  const queues = new Map<string, Promise<unknown>>();

  /** Runs `task` after every earlier task of `key` has settled. */
  function serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
    const run = (queues.get(key) ?? Promise.resolve()).then(task, task);
    const settled = run.then(() => undefined, () => undefined);
    queues.set(key, settled);
    void settled.then(() => queues.get(key) === settled && queues.delete(key));
    return run;
  }

  /** Stages `operations`, commits them on `rev` and returns the commit id; the staging area is always removed. */
  async function commit(ctx: CommitContext, rev: string, user: User, read: (staging: CommitStaging) => Promise<CommitHeader>): Promise<string> {
    const staging = new CommitStaging(join(deps.tmpDir, `commit-${randomBytes(8).toString('hex')}`));
    try {
      const header = await read(staging);
      // the repository's update lock orders this commit against pushes and commits of every server (metadata-types.ts)
      return await serialised(`${ctx.repo.id}:${rev}`, () => ctx.meta.withRepoLock(ctx.repo.id, async () => applyCommit(ctx, await commitTarget(ctx.dir, rev), header, staging, user)));
    } finally {
      staging.dispose();
    }
  }

  /** Stages NDJSON lines: small ones here, long ones (file contents) on a worker. */
  function lineStager(jobs: JobRunner, staging: CommitStaging): LineStager {
    return async (line, lineNo, first) => {
      const tmp = staging.nextFile();
      if (line.length <= INLINE_BYTES) return stageLine(line, lineNo, first, tmp);
      const { bytes, transfer } = movable(line);
      return jobs('stageLine', { line: bytes, lineNo, first, tmp }, transfer);
    };
  }

  /** Stages a JSON body (`form`: a commit payload or a creation request) on a worker when it is large. */
  async function stageBody<F extends 'stageJson' | 'stageCreate'>(jobs: JobRunner, form: F, body: Buffer, workDir: string) {
    const { bytes, transfer } = movable(body);
    return jobs(form, { body: bytes, workDir }, body.length <= INLINE_BYTES ? [] : transfer);
  }

  return {
    /** Serves a preupload or commit request (the route from matchHfWrite). */
    async handle(req: IncomingMessage, res: ServerResponse, route: HfWriteRoute, id: Identity, base: string, key: string): Promise<void> {
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not supported here`, { Allow: 'POST' });
      const repo = await hfRepo(deps.meta, id, route.type, route.owner, route.name, 'write');
      const createPr = new URL(req.url ?? '/', 'http://x').searchParams.get('create_pr');
      if (createPr !== null && createPr !== '0' && createPr.toLowerCase() !== 'false') {
        throw hfError(400, 'BadRequest', 'pull requests are not supported by this server: commit to a branch (without create_pr)');
      }
      const dir = repoDir(deps.root, repo.type, repo.owner, repo.name);
      const target = await commitTarget(dir, route.rev); // a bad revision fails before the body is read
      const jobs = deps.jobs(key);
      if (route.op === 'preupload') {
        const { bytes, transfer } = movable(await readBody(req, PREUPLOAD_BODY_LIMIT));
        const answer = await jobs('preupload', { dir, tip: target.tip, body: bytes }, transfer);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) + 1 });
        res.end(`${answer}\n`);
        return;
      }
      const ctx: CommitContext = { dir, repo, meta: deps.meta, store: deps.store, jobs };
      const json = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
      const oid = await commit(ctx, target.branch, id.user!, async (staging) => {
        if (!json) return readNdjsonPayload(req, lineStager(jobs, staging), (op) => staging.addStaged(op));
        const payload = await stageBody(jobs, 'stageJson', await readBody(req, JSON_COMMIT_LIMIT), staging.workDir);
        for (const op of payload.operations) staging.addStaged(op);
        return payload.header;
      });
      sendJson(res, 200, { success: true, commitOid: oid, commitUrl: `${base}${repoPath(repo)}/commit/${oid}`, hookOutput: '' });
    },

    /** `POST /api/repos/create`; `files` (small, inline) become the first commit on main. */
    async createRepo(req: IncomingMessage, res: ServerResponse, id: Identity, base: string, key: string): Promise<void> {
      if (id.invalidToken) throw new HttpError(401, 'invalid token', { 'WWW-Authenticate': wwwAuthenticate() });
      if (!id.user) throw new HttpError(401, 'authentication required', { 'WWW-Authenticate': wwwAuthenticate() });
      if (!id.write) throw new HttpError(403, 'token is read-only');
      const jobs = deps.jobs(key);
      const staging = new CommitStaging(join(deps.tmpDir, `create-${randomBytes(8).toString('hex')}`));
      try {
        const raw = await readBody(req, CREATE_BODY_LIMIT);
        const { fields: body, operations } = raw.length === 0 ? { fields: {}, operations: [] as StagedOperation[] } : await stageBody(jobs, 'stageCreate', raw, staging.workDir);
        let name = typeof body.name === 'string' ? body.name : '';
        let owner = typeof body.organization === 'string' && body.organization !== '' ? body.organization : id.user.name;
        if (name.includes('/')) [owner, name] = name.split('/', 2);
        if (body.type === 'space') throw new HttpError(400, 'Spaces are not supported by this server: create a model or a dataset');
        const type = body.type === 'dataset' ? 'dataset' : body.type === undefined || body.type === null || body.type === 'model' ? 'model' : undefined;
        if (!type) throw new HttpError(400, `unknown repository type ${JSON.stringify(body.type)}`);
        if (body.visibility !== undefined && body.visibility !== null && body.visibility !== 'public' && body.visibility !== 'private') {
          throw new HttpError(400, `unsupported visibility ${JSON.stringify(body.visibility)}: "public" or "private"`);
        }
        const isPrivate = body.visibility === 'private' || (body.visibility !== 'public' && body.private === true);
        if (badRepoSegment(owner, 'owner') || badRepoSegment(name, 'name')) throw new HttpError(400, 'invalid repository name: use letters, digits, ".", "_" and "-"');
        validateRepoName(type, owner, name);
        if (owner !== id.user.name && !id.user.admin) throw new HttpError(403, `you cannot create repositories for '${owner}'`);
        if (await deps.meta.getRepo(type, owner, name)) throw new HttpError(409, `repository ${owner}/${name} already exists`);
        const repo = await deps.meta.createRepo({ type, owner, name, private: isPrivate });
        const dir = repoDir(deps.root, type, owner, name);
        try {
          await createBareRepo(dir, { hookCommand: deps.hookCommand });
          if (operations.length > 0) {
            await commit({ dir, repo, meta: deps.meta, store: deps.store, jobs }, 'main', id.user, async (s) => {
              for (const op of operations) s.addStaged(op);
              return { summary: 'initial commit', description: '' };
            });
          }
        } catch (err) {
          // all or nothing: a repository whose first commit failed is not left behind
          await deps.meta.deleteRepo(repo.id);
          await deleteBareRepo(dir);
          throw err;
        }
        sendJson(res, 200, { id: `${owner}/${name}`, type, private: repo.private, url: `${base}${repoPath(repo)}` });
      } finally {
        staging.dispose();
      }
    },

    /**
     * `DELETE /api/repos/delete`: removes the repository's metadata and its bare repository (the
     * content store keeps the chunks; `hub gc` on the server reclaims what nothing uses). Only the
     * owner or an admin may, with a write token; a repository the caller cannot see is 404.
     */
    async deleteRepo(req: IncomingMessage, res: ServerResponse, id: Identity): Promise<void> {
      if (req.method !== 'DELETE') throw new HttpError(405, `${req.method} is not supported here`, { Allow: 'DELETE' });
      if (id.invalidToken) throw new HttpError(401, 'invalid token', { 'WWW-Authenticate': wwwAuthenticate() });
      if (!id.user) throw new HttpError(401, 'authentication required', { 'WWW-Authenticate': wwwAuthenticate() });
      const body = ((await readJsonBody(req, 64 << 10, { maxDepth: 4, maxValues: 100 })) ?? {}) as { name?: unknown; organization?: unknown; type?: unknown };
      let name = typeof body.name === 'string' ? body.name : '';
      let owner = typeof body.organization === 'string' && body.organization !== '' ? body.organization : id.user.name;
      if (name.includes('/')) [owner, name] = name.split('/', 2);
      const type = body.type === 'dataset' ? 'dataset' : body.type === undefined || body.type === null || body.type === 'model' ? 'model' : undefined;
      if (!type) throw new HttpError(400, `unknown repository type ${JSON.stringify(body.type)}`);
      const repo = await deps.meta.getRepo(type, owner, name);
      const verdict = await authorize(deps.meta, id, repo, 'read');
      if (!verdict.ok || !repo) throw hfError(404, 'RepoNotFound', 'Repository not found');
      if (!id.write) throw new HttpError(403, 'token is read-only');
      if (repo.owner.toLowerCase() !== id.user.name.toLowerCase() && !id.user.admin) throw new HttpError(403, 'only the owner or an admin may delete a repository');
      const dir = repoDir(deps.root, repo.type, repo.owner, repo.name);
      await deps.meta.deleteRepo(repo.id);
      await deleteBareRepo(dir);
      sendJson(res, 200, { id: `${repo.owner}/${repo.name}`, type: repo.type, deleted: true });
    },
  };
}

function repoPath(repo: RepoRecord): string {
  return `${repo.type === 'dataset' ? '/datasets' : ''}/${repo.owner}/${repo.name}`;
}
