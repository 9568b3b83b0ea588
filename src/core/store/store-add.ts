/** `hub store add FILE...`: chunk, dedupe and store files in the shared store. */
import { resolve } from 'node:path';
import { addFile, type AddResult } from '../../store/ingest.js';
import { openInputFile } from '../../store/file-source.js';
import { closeSync } from 'node:fs';
import type { CoreContext } from '../context.js';
import { withStore } from './open-store.js';

/** Result of `store add`. */
export interface StoreAddResult {
  files: AddResult[];
  totals: { size: number; newBytes: number; dedupBytes: number };
}

/** Adds every file of `paths`; all are checked to be readable files before any work starts. */
export async function storeAdd(ctx: CoreContext, paths: string[]): Promise<StoreAddResult> {
  for (const p of paths) closeSync(openInputFile(resolve(ctx.cwd, p)).fd);
  return withStore(ctx, async (store) => {
    const files: AddResult[] = [];
    for (const p of paths) files.push({ ...(await addFile(store, resolve(ctx.cwd, p), ctx.progress, ctx.signal)), path: p });
    const totals = { size: 0, newBytes: 0, dedupBytes: 0 };
    for (const f of files) {
      totals.size += f.size;
      totals.newBytes += f.newBytes;
      totals.dedupBytes += f.dedupBytes;
    }
    return { files, totals };
  });
}
