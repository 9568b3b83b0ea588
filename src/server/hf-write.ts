/**
 * The write half of the Hugging Face–compatible API of `hub serve` (docs/server.md):
 *
 * - `POST /api/repos/create` `{name, organization?, type?, private? | visibility?, files?}`
 *   -> `{id, type, private, url}` (what @huggingface/hub's createRepo and huggingface_hub read).
 * - `POST /api/{models,datasets}/OWNER/NAME/preupload/REV` `{files: [{path, size, sample}],
 *   gitAttributes?}` -> `{files: [{path, uploadMode: "lfs" | "regular", shouldIgnore: false}]}`.
 * - `POST /api/{models,datasets}/OWNER/NAME/commit/REV` (NDJSON or JSON, hf-commit-payload.ts)
 *   -> `{success: true, commitOid, commitUrl, hookOutput: ""}`, a real git commit (hf-commit.ts).
 *
 * REV is routed from the raw path: `refs%2Fheads%2Fmain` and `refs/heads/main` both work. Every
 * route checks write access with hfRepo (a repository the caller may not see is 404 RepoNotFound).
 * Commits to one branch are serialised in this process; the compare-and-swap of the ref update
 * still guards against pushes arriving through git at the same time.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { AttributeMatcher, parseGitattributes, type AttributeSource } from '../formats/gitattributes.js';
import type { Store } from '../store/store.js';
import { wwwAuthenticate, type Identity } from './access.js';
import { badRepoSegment, createBareRepo, deleteBareRepo, repoDir, validateRepoName } from './bare-repos.js';
import * as git from './git-write.js';
import { decodeSegment, hfError, hfRepo } from './hf-access.js';
import { applyCommit, CommitStaging, commitTarget, type CommitContext } from './hf-commit.js';
import { checkRepoPath, parseJsonPayload, parseOperation, readNdjsonPayload, type CommitHeader, type CommitOperation } from './hf-commit-payload.js';
import { HttpError, readJsonBody, sendJson } from './http-util.js';
import type { Metadata, RepoRecord, User } from './metadata.js';

/** What the write API needs from the server. */
export interface HfWriteDeps {
  root: string;
  meta: Metadata;
  store: Store;
  /** The pre-receive hook command new bare repositories get. */
  hookCommand: string;
  /** Where commit payloads wait while they are checked (emptied at server start). */
  tmpDir: string;
}

/** A write route: which operation, on which repository and revision (all decoded). */
export interface HfWriteRoute {
  op: 'preupload' | 'commit';
  type: 'model' | 'dataset';
  owner: string;
  name: string;
  rev: string;
}

/** At this size a file is uploaded through LFS whatever its content (the HF Hub's limit for regular files). */
export const LFS_SIZE_THRESHOLD = 10 << 20;
const PREUPLOAD_BODY_LIMIT = 16 << 20;
const PREUPLOAD_MAX_FILES = 10_000;
const JSON_COMMIT_LIMIT = 64 << 20;

/** The write route the raw (still percent-encoded) `pathname` names, if any. */
export function matchHfWrite(pathname: string): HfWriteRoute | undefined {
  const m = /^\/api\/(models|datasets)\/([^/]+)\/([^/]+)\/(preupload|commit)\/(.+)$/.exec(pathname);
  if (!m) return undefined;
  const rev = m[5].split('/').map(decodeSegment).join('/');
  return { op: m[4] as HfWriteRoute['op'], type: m[1] === 'datasets' ? 'dataset' : 'model', owner: decodeSegment(m[2]), name: decodeSegment(m[3]), rev };
}

/**
 * How the HF Hub would have a file uploaded: empty files and `.gitattributes` files are regular;
 * otherwise LFS when the path has `filter=lfs`, when the file is at least 10 MiB, or when its
 * sample holds a NUL byte (git's test for binary content: the HF Hub keeps binaries out of git).
 */
export function uploadMode(path: string, size: number, sample: Buffer, attributes: AttributeMatcher): 'lfs' | 'regular' {
  if (size === 0 || path === '.gitattributes' || path.endsWith('/.gitattributes')) return 'regular';
  if (attributes.isLfs(path) || size >= LFS_SIZE_THRESHOLD || sample.includes(0)) return 'lfs';
  return 'regular';
}

/** The `.gitattributes` rules of `tip`'s tree, with `rootOverride` (the client's planned file) replacing the root one. */
async function attributesAt(dir: string, tip: string | undefined, rootOverride: string | undefined): Promise<AttributeMatcher> {
  const sources: AttributeSource[] = rootOverride === undefined ? [] : [{ base: '', rules: parseGitattributes(rootOverride) }];
  for (const [path, entry] of tip ? await git.listTree(dir, tip) : []) {
    if (!(path === '.gitattributes' || path.endsWith('/.gitattributes')) || !entry.mode.startsWith('100')) continue;
    if (path === '.gitattributes' && rootOverride !== undefined) continue;
    sources.push({ base: path.slice(0, Math.max(0, path.length - '/.gitattributes'.length)), rules: parseGitattributes((await git.readBlob(dir, entry.oid)).toString('utf8')) });
  }
  return new AttributeMatcher(sources);
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
      return await serialised(`${ctx.repo.id}:${rev}`, async () => applyCommit(ctx, await commitTarget(ctx.dir, rev), header, staging, user));
    } finally {
      staging.dispose();
    }
  }

  async function preupload(req: IncomingMessage, res: ServerResponse, dir: string, tip: string | undefined): Promise<void> {
    const body = (await readJsonBody(req, PREUPLOAD_BODY_LIMIT)) as { files?: unknown; gitAttributes?: unknown } | null;
    const files = body?.files;
    if (!Array.isArray(files)) throw hfError(400, 'BadRequest', 'the preupload body needs a "files" array');
    if (files.length > PREUPLOAD_MAX_FILES) throw new HttpError(413, `too many files in one preupload request (limit ${PREUPLOAD_MAX_FILES})`);
    const override = typeof body?.gitAttributes === 'string' ? body.gitAttributes : undefined;
    const attributes = await attributesAt(dir, tip, override);
    const answer = files.map((f: { path?: unknown; size?: unknown; sample?: unknown } | null, i) => {
      const path = checkRepoPath(f?.path, `files[${i}].path`);
      const size = f?.size;
      if (!Number.isSafeInteger(size) || (size as number) < 0) throw hfError(400, 'BadRequest', `files[${i}] (${path}): "size" must be a non-negative integer`);
      const sample = typeof f?.sample === 'string' ? Buffer.from(f.sample, 'base64') : Buffer.alloc(0);
      return { path, uploadMode: uploadMode(path, size as number, sample, attributes), shouldIgnore: false };
    });
    sendJson(res, 200, { files: answer });
  }

  return {
    /** Serves a preupload or commit request (the route from matchHfWrite). */
    async handle(req: IncomingMessage, res: ServerResponse, route: HfWriteRoute, id: Identity, base: string): Promise<void> {
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not supported here`, { Allow: 'POST' });
      const repo = hfRepo(deps.meta, id, route.type, route.owner, route.name, 'write');
      const createPr = new URL(req.url ?? '/', 'http://x').searchParams.get('create_pr');
      if (createPr !== null && createPr !== '0' && createPr.toLowerCase() !== 'false') {
        throw hfError(400, 'BadRequest', 'pull requests are not supported by this server: commit to a branch (without create_pr)');
      }
      const dir = repoDir(deps.root, repo.type, repo.owner, repo.name);
      const target = await commitTarget(dir, route.rev); // a bad revision fails before the body is read
      if (route.op === 'preupload') return preupload(req, res, dir, target.tip);
      const ctx: CommitContext = { dir, repo, meta: deps.meta, store: deps.store };
      const json = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
      const oid = await commit(ctx, target.branch, id.user!, async (staging) => {
        if (!json) return readNdjsonPayload(req, (op) => staging.add(op));
        const payload = parseJsonPayload(await readJsonBody(req, JSON_COMMIT_LIMIT));
        for (const op of payload.operations) await staging.add(op);
        return payload.header;
      });
      sendJson(res, 200, { success: true, commitOid: oid, commitUrl: `${base}${repoPath(repo)}/commit/${oid}`, hookOutput: '' });
    },

    /** `POST /api/repos/create`; `files` (small, inline) become the first commit on main. */
    async createRepo(req: IncomingMessage, res: ServerResponse, id: Identity, base: string): Promise<void> {
      if (id.invalidToken) throw new HttpError(401, 'invalid token', { 'WWW-Authenticate': wwwAuthenticate() });
      if (!id.user) throw new HttpError(401, 'authentication required', { 'WWW-Authenticate': wwwAuthenticate() });
      if (!id.write) throw new HttpError(403, 'token is read-only');
      const body = ((await readJsonBody(req, JSON_COMMIT_LIMIT)) ?? {}) as { name?: unknown; organization?: unknown; type?: unknown; private?: unknown; visibility?: unknown; files?: unknown };
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
      if (body.files !== undefined && body.files !== null && !Array.isArray(body.files)) throw new HttpError(400, '"files" must be an array');
      const files: CommitOperation[] = ((body.files as unknown[] | undefined) ?? []).map((f, i) => parseOperation('file', f, `files[${i}]`));
      if (owner !== id.user.name && !id.user.admin) throw new HttpError(403, `you cannot create repositories for '${owner}'`);
      if (deps.meta.getRepo(type, owner, name)) throw new HttpError(409, `repository ${owner}/${name} already exists`);
      const repo = deps.meta.createRepo({ type, owner, name, private: isPrivate });
      const dir = repoDir(deps.root, type, owner, name);
      try {
        await createBareRepo(dir, { hookCommand: deps.hookCommand });
        if (files.length > 0) {
          await commit({ dir, repo, meta: deps.meta, store: deps.store }, 'main', id.user, async (staging) => {
            for (const op of files) await staging.add(op);
            return { summary: 'initial commit', description: '' };
          });
        }
      } catch (err) {
        // all or nothing: a repository whose first commit failed is not left behind
        deps.meta.deleteRepo(repo.id);
        await deleteBareRepo(dir);
        throw err;
      }
      sendJson(res, 200, { id: `${owner}/${name}`, type, private: repo.private, url: `${base}${repoPath(repo)}` });
    },
  };
}

function repoPath(repo: RepoRecord): string {
  return `${repo.type === 'dataset' ? '/datasets' : ''}/${repo.owner}/${repo.name}`;
}
