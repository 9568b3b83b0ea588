/**
 * `hub upload OWNER/NAME PATH...`: commits local files and folders to a branch of a remote
 * repository without a clone, as `hf upload` does, through the Hugging Face write API: preupload
 * (the server says which files are LFS: by its `.gitattributes`, by size, binary content), the
 * LFS content into the local store and then through the LFS batch API (with `hub serve`, the
 * chunk transfer: only xorbs holding chunks the server lacks), then one NDJSON commit of the small
 * files inline and pointers for the large ones.
 *
 * Paths in the repository: a file PATH lands at its base name, a folder PATH's files at their
 * paths inside it (`.git/`, `.cache/hub/` and `.cache/huggingface/` are skipped, symlinked
 * folders are not followed); all under `--path-in-repo`, which for a single file PATH is that
 * file's whole path in the repository (hf's rule).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { addFile } from '../../store/ingest.js';
import { hfRepoOf } from '../../transfer/hf-api.js';
import { hfCommit, hfPreupload, type CommitLine } from '../../transfer/hf-commit-client.js';
import { concurrencyFrom } from '../../transfer/transfer-queue.js';
import type { CoreContext } from '../context.js';
import { withStore } from '../store/open-store.js';
import { resolveToken } from './credentials.js';
import { requireOnline } from './offline.js';
import { repoReference } from './remote.js';
import { uploadContent } from './upload-content.js';
import { remoteAccess } from './remote-access.js';

/** Options of {@link upload}. */
export interface UploadOptions {
  revision?: string;
  message?: string;
  description?: string;
  repoType?: string;
  pathInRepo?: string;
  token?: string;
}

/** One uploaded file. */
export interface UploadedFile {
  path: string;
  size: number;
  large: boolean;
  /** The sha256 (LFS oid) of a large file. */
  oid?: string;
}

/** The `--json` shape of `hub upload`. */
export interface UploadResult {
  remote: string;
  revision: string;
  commit: string;
  commitUrl: string | null;
  files: UploadedFile[];
  transfer: string | null;
  /** Large files checked with the server, and those it lacked. */
  objects: { checked: number; uploaded: number };
  /** Content bytes of large files sent in request bodies (xorbs or whole objects). */
  bytesSent: number;
}

interface LocalFile {
  /** On disk. */
  file: string;
  /** In the repository. */
  path: string;
  size: number;
}

const SAMPLE_BYTES = 512;
const SKIPPED_DIRS = new Set(['.cache/hub', '.cache/huggingface']);

function joinRepo(prefix: string, path: string): string {
  return prefix === '' ? path : `${prefix}/${path}`;
}

/** The files of a folder, recursively, with their paths relative to it ('/'-separated). */
function* folderFiles(root: string, rel = ''): Generator<{ file: string; rel: string; size: number }> {
  for (const e of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.name === '.git') continue; // a repository (or a worktree's gitlink file) at any depth: never content
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(r)) yield* folderFiles(root, r);
      continue;
    }
    const file = join(root, r);
    const st = e.isSymbolicLink() ? statSync(file, { throwIfNoEntry: false }) : statSync(file);
    if (st?.isFile()) yield { file, rel: r, size: st.size };
  }
}

/** The files to upload and their repository paths (see the module comment); usage errors before any request. */
export function localFiles(cwd: string, paths: readonly string[], pathInRepo: string | undefined): LocalFile[] {
  if (!paths.length) throw new UsageError('name the files or folders to upload', { hint: "'hub upload OWNER/NAME model.safetensors'" }, 'usage');
  const prefix = (pathInRepo ?? '').replace(/^\.?\/+|\/+$/g, '').replace(/^\.$/, '');
  const out: LocalFile[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) throw new NotFoundError(`no such file or folder: ${p}`, { data: { path: p } }, 'file_not_found');
    if (st.isDirectory()) for (const f of folderFiles(abs)) out.push({ file: f.file, path: joinRepo(prefix, f.rel), size: f.size });
    else if (st.isFile()) out.push({ file: abs, path: paths.length === 1 && prefix !== '' && !pathInRepo!.endsWith('/') ? prefix : joinRepo(prefix, basename(abs)), size: st.size });
    else throw new UsageError(`${p} is neither a file nor a folder`, { data: { path: p } }, 'usage');
  }
  const seen = new Set<string>();
  for (const f of out) {
    if (seen.has(f.path)) throw new UsageError(`two files would be uploaded as ${f.path}`, { data: { path: f.path } }, 'usage');
    seen.add(f.path);
  }
  if (!out.length) throw new UsageError(`nothing to upload: ${paths.join(', ')} hold${paths.length === 1 ? 's' : ''} no files`, {}, 'usage');
  return out;
}

function sample(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, SAMPLE_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

/** Commits `paths` to `source` (OWNER/NAME, datasets/OWNER/NAME, a URL; `@REV` or --revision: the branch). */
export async function upload(ctx: CoreContext, source: string, paths: readonly string[], opts: UploadOptions = {}): Promise<UploadResult> {
  requireOnline(ctx, 'hub upload');
  const ref = repoReference(ctx, source, opts.repoType);
  if (ref.revision && opts.revision && ref.revision !== opts.revision) throw new UsageError(`two revisions given: '@${ref.revision}' and --revision ${opts.revision}`, {}, 'two_revisions');
  const revision = opts.revision ?? ref.revision ?? 'main';
  const files = localFiles(ctx.cwd, paths, opts.pathInRepo);
  const repo = hfRepoOf(ref.url);
  const { token } = resolveToken(ctx, ref.url, opts.token);

  const attributes = files.find((f) => f.path === '.gitattributes'); // a new root .gitattributes decides which files are LFS
  const modes = await hfPreupload(repo, revision, files.map((f) => ({ path: f.path, size: f.size, sample: sample(f.file) })), token, ctx.signal, attributes && readFileSync(attributes.file, 'utf8'));
  const large = files.filter((_, i) => modes[i] === 'lfs');
  const objects = new Map<string, { oid: string; size: number }>(); // repository path -> object
  const sent = await withStore(ctx, async (store) => {
    for (const f of large) {
      const added = await addFile(store, f.file, ctx.progress, ctx.signal);
      if (added.size !== f.size) throw new ConflictError(`${f.file} changed while it was being uploaded`, { hint: 'retry when nothing is writing it', data: { path: f.file } }, 'file_changed');
      objects.set(f.path, { oid: added.oid, size: added.size });
    }
    const unique = [...new Map([...objects.values()].map((o) => [o.oid, o])).values()];
    return { checked: unique.length, ...(await uploadContent(store, (await remoteAccess(ctx, { remote: { name: 'origin', url: ref.url }, token: opts.token })).lfs('upload'), unique, { progress: ctx.progress, concurrency: concurrencyFrom(ctx.env), signal: ctx.signal, env: ctx.env })) };
  });

  function* lines(): Generator<CommitLine> {
    for (const f of files) {
      ctx.signal.throwIfAborted();
      const object = objects.get(f.path);
      if (object) {
        yield { key: 'lfsFile', path: f.path, ...object };
        continue;
      }
      const content = readFileSync(f.file);
      if (content.length !== f.size) throw new ConflictError(`${f.file} changed while it was being uploaded`, { hint: 'retry when nothing is writing it', data: { path: f.file } }, 'file_changed');
      yield { key: 'file', path: f.path, content };
    }
  }
  const summary = opts.message ?? (files.length === 1 ? `Upload ${files[0].path} with hub` : `Upload ${files.length} files with hub`);
  const answer = await hfCommit(repo, revision, { summary, description: opts.description }, lines(), token, ctx.signal);
  return {
    remote: ref.url,
    revision,
    commit: answer.commitOid,
    commitUrl: answer.commitUrl ?? null,
    files: files.map((f) => {
      const o = objects.get(f.path);
      return { path: f.path, size: f.size, large: !!o, ...(o ? { oid: o.oid } : {}) };
    }),
    transfer: sent.transfer,
    objects: { checked: sent.checked, uploaded: sent.uploaded },
    bytesSent: sent.bytesSent,
  };
}
