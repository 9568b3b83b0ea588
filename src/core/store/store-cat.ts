/** `hub store cat OID|POINTER_FILE [-o PATH]`: reassemble a stored file, verified. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, fromFsError } from '../../errors.js';
import { parsePointer, POINTER_MAX_BYTES } from '../../formats/lfs-pointer.js';
import { parseOid } from '../../formats/oid.js';
import { catToFile, requireManifest, streamObject, type CatResult } from '../../store/reassemble.js';
import type { CoreContext } from '../context.js';
import { withStore } from './open-store.js';

/**
 * Resolves what the user named: an oid (64 hex, optionally `sha256:`) or the path of a Git LFS
 * pointer file. A malformed pointer is a FormatError naming what is wrong.
 */
export function resolveObjectRef(ctx: CoreContext, ref: string): string {
  if (/^(sha256:)?[0-9a-fA-F]{64}$/.test(ref)) return parseOid(ref);
  const path = resolve(ctx.cwd, ref);
  if (!/^[0-9a-fA-F:]*$/.test(ref) && existsSync(path)) {
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      throw fromFsError(err, ref);
    }
    if (st.isDirectory()) throw new UsageError(`${ref} is a directory, not an oid or a pointer file`, {}, 'is_directory');
    if (st.size >= POINTER_MAX_BYTES) throw new UsageError(`${ref} is ${st.size} bytes: too large to be a Git LFS pointer`, {}, 'bad_oid');
    let text: Buffer;
    try {
      text = readFileSync(path);
    } catch (err) {
      throw fromFsError(err, ref);
    }
    return parsePointer(text).oid;
  }
  return parseOid(ref); // throws the one-line "invalid oid" UsageError
}

/** Writes the object to `output` (verified before it appears), or streams it to `sink`. */
export async function storeCat(ctx: CoreContext, ref: string, target: { output: string } | { sink: (b: Uint8Array) => void }): Promise<CatResult & { output?: string }> {
  const oid = resolveObjectRef(ctx, ref);
  return withStore(ctx, async (store) => {
    if ('output' in target) return { ...(await catToFile(store, oid, resolve(ctx.cwd, target.output), { progress: ctx.progress, signal: ctx.signal })), output: target.output };
    return streamObject(store, requireManifest(store, oid), target.sink, ctx.progress, ctx.signal);
  });
}
