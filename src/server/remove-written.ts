/**
 * The end of a temporary upload file, whatever happened to the upload. A write stream opens its
 * file asynchronously: destroying it and removing the file at once, before the open completed
 * (a request aborted while the handler was still waiting for the metadata), removed nothing, and
 * the open then created a file that stayed in the upload area for good.
 */
import { rmSync, type WriteStream } from 'node:fs';

/** Destroys `out`, waits until its file is closed (or never opened), then removes `path`. */
export async function removeWritten(out: WriteStream, path: string): Promise<void> {
  if (!out.closed) {
    const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
    out.destroy();
    await closed;
  }
  rmSync(path, { force: true });
}
