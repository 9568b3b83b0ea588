/**
 * `hub push [REMOTE]`: upload the large-file content the remote lacks, then the history (DESIGN
 * §4: content first, so the server's pre-receive check finds every object). With a server that
 * offers `hub-chunks`, only xorbs holding chunks the server lacks are sent; with any other Git
 * LFS server, whole objects go through `basic`.
 */
import { ConflictError, NotFoundError, UsageError } from '../errors.js';
import { lfsPointersReachable } from '../repo/lfs-oids.js';
import { readHead, refExists, resolveRevision } from '../repo/refs.js';
import { listRemotes } from '../repo/remotes.js';
import { pushHistory } from '../repo/sync.js';
import { readManifest } from '../store/manifest-files.js';
import { objectPieces } from '../store/reassemble.js';
import type { Store } from '../store/store.js';
import { createGitHttp } from '../transfer/git-http-plugin.js';
import { errorForStatus } from '../transfer/http-client.js';
import { basicUpload, ChunkApi, lfsBatch, lfsEndpoint, type BatchObject } from '../transfer/lfs-client.js';
import { xetHex } from '../hash/xet-hex.js';
import type { CoreContext } from './context.js';
import { resolveToken } from './credentials.js';
import { withRepo } from './repo-session.js';

/** The `--json` shape of `hub push`. */
export interface PushResult {
  remote: string;
  branch: string;
  commit: string;
  transfer: string | null;
  objects: { checked: number; uploaded: number };
  /** Content bytes sent in request bodies (xorbs or whole objects). */
  bytesSent: number;
}

/** Reads a whole xorb from the store. */
function xorbBytes(store: Store, xorb: string): Buffer {
  const h = store.xorbs.open(xorb);
  try {
    const buf = Buffer.allocUnsafe(h.size);
    for (let at = 0; at < h.size; ) {
      const n = h.read(buf.subarray(at), at);
      if (n === 0) throw new NotFoundError(`xorb ${xorb} is shorter than expected`, {}, 'missing_xorb');
      at += n;
    }
    return buf;
  } finally {
    h.close();
  }
}

/** Uploads one object through the chunk API: the xorbs with missing chunks, then the manifest. */
async function uploadChunks(store: Store, api: ChunkApi, oid: string): Promise<number> {
  const manifest = readManifest(store.paths, oid)!;
  const xorbs = [...new Set(manifest.terms.map((t) => t.xorb))];
  const chunksOf = new Map(xorbs.map((x) => [x, store.index.chunksOf(x).map((c) => xetHex(c.hash))]));
  const missing = new Set(await api.missing([...chunksOf.values()].flat()));
  let sent = 0;
  for (const x of xorbs) {
    if (!chunksOf.get(x)!.some((h) => missing.has(h))) continue;
    const bytes = xorbBytes(store, x);
    await api.putXorb(x, bytes);
    sent += bytes.length;
  }
  await api.putReconstruction(oid, manifest);
  return sent;
}

/** Uploads one object whole (the `basic` transfer), streamed from the store. */
async function uploadBasic(store: Store, obj: BatchObject): Promise<number> {
  const manifest = readManifest(store.paths, obj.oid)!;
  await basicUpload(obj.oid, manifest.size, obj.actions!.upload!, obj.actions?.verify, () => objectPieces(store, manifest));
  return manifest.size;
}

/** Pushes the current branch to `remoteName`. */
export async function push(ctx: CoreContext, opts: { remote?: string; token?: string }): Promise<PushResult> {
  const remoteName = opts.remote ?? 'origin';
  return withRepo(ctx, { lock: true }, async (s) => {
    const remote = (await listRemotes(s.paths.gitdir)).find((r) => r.name === remoteName);
    if (!remote) throw new NotFoundError(`no remote named '${remoteName}'`, { hint: "add one with 'hub remote add origin URL'" }, 'unknown_remote');
    const head = await readHead(s.paths.gitdir);
    if (head.detached || !head.branch) throw new UsageError('HEAD is detached: switch to a branch to push', {}, 'detached_head');
    if (!head.oid) throw new UsageError('nothing to push: no commits yet', {}, 'no_commits');
    const { token } = resolveToken(ctx, remote.url, opts.token);
    const tracking = `refs/remotes/${remoteName}/${head.branch}`;
    const known = (await refExists(s.paths.gitdir, tracking)) ? await lfsPointersReachable(s.paths.gitdir, [await resolveRevision(s.paths.gitdir, tracking)]) : new Map<string, number>();
    const wanted = [...(await lfsPointersReachable(s.paths.gitdir, [head.oid])).entries()].filter(([oid]) => !known.has(oid)).map(([oid, size]) => ({ oid, size }));
    let transfer: string | null = null;
    let uploaded = 0;
    let bytesSent = 0;
    if (wanted.length) {
      const batch = await lfsBatch(lfsEndpoint(remote.url), 'upload', wanted, token);
      transfer = batch.transfer;
      for (const obj of batch.objects) {
        if (obj.error) throw errorForStatus(obj.error.code, obj.error.message, `uploading ${obj.oid.slice(0, 12)}`);
        if (!obj.actions?.upload) continue; // the server has it
        if (!s.store.hasObject(obj.oid)) throw new NotFoundError(`content of ${obj.oid} is not in the local store`, { hint: 'it was never fetched here' }, 'content_missing');
        bytesSent += batch.transfer === 'hub-chunks' ? await uploadChunks(s.store, new ChunkApi(obj.actions.upload.href, obj.actions.upload.header), obj.oid) : await uploadBasic(s.store, obj);
        uploaded++;
      }
    }
    const pushed = await pushHistory({ gitdir: s.paths.gitdir, remote: remoteName, branch: head.branch, http: createGitHttp({ token }) });
    if (!pushed.ok) throw new ConflictError(`the remote refused the push of ${head.branch}: ${pushed.error ?? 'rejected'}`, { hint: 'pull first if the remote has new commits' }, 'push_rejected');
    return { remote: remoteName, branch: head.branch, commit: head.oid, transfer, objects: { checked: wanted.length, uploaded }, bytesSent };
  });
}
