import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../src/errors.js';
import type { ProgressEvent } from '../../../src/progress.js';
import { fsck } from '../../../src/store/fsck.js';
import { addFile } from '../../../src/store/ingest.js';
import { listManifestOids } from '../../../src/store/manifest-files.js';
import { catToFile } from '../../../src/store/reassemble.js';
import { Store } from '../../../src/store/store.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

const interrupted = (): AbortController => new AbortController();

describe('store work stops on abort', () => {
  it('addFile with an aborted signal throws its reason and writes nothing', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'f'), mulberry32Bytes(5, 3_000_000));
    const store = await Store.open(join(dir, 'store'));
    try {
      const c = interrupted();
      c.abort(new InterruptedError());
      await expect(addFile(store, join(dir, 'f'), undefined, c.signal)).rejects.toBeInstanceOf(InterruptedError);
      expect(readdirSync(store.paths.tmp)).toEqual([]);
      expect([...listManifestOids(store.paths)]).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('addFile aborted mid-file (40 MB: the hashing worker runs) removes its temporary xorb and stores no manifest; the store stays healthy', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'f'), mulberry32Bytes(6, 40_000_000));
    const store = await Store.open(join(dir, 'store'));
    try {
      const c = interrupted();
      let progressed = 0;
      const progress = (e: ProgressEvent): void => {
        if (e.type === 'progress' && ++progressed === 3) c.abort(new InterruptedError());
      };
      await expect(addFile(store, join(dir, 'f'), progress, c.signal)).rejects.toBeInstanceOf(InterruptedError);
      expect(progressed).toBeGreaterThanOrEqual(3);
      expect(progressed).toBeLessThan(20); // it stopped: the file is ~38 reads of 1 MiB
      expect(readdirSync(store.paths.tmp)).toEqual([]);
      expect([...listManifestOids(store.paths)]).toEqual([]);
      expect((await fsck(store)).healthy).toBe(true);
      // and the next add completes
      expect((await addFile(store, join(dir, 'f'))).size).toBe(40_000_000);
    } finally {
      store.close();
    }
  });

  it('catToFile aborted leaves neither the destination nor its temporary file; fsck stops with the reason', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'f'), mulberry32Bytes(7, 20_000_000));
    const store = await Store.open(join(dir, 'store'));
    try {
      const { oid } = await addFile(store, join(dir, 'f'));
      const c = interrupted();
      let read = 0;
      const progress = (e: ProgressEvent): void => {
        if (e.type === 'progress' && (read = e.done) > 0) c.abort(new InterruptedError());
      };
      const out = join(dir, 'out', 'f');
      await expect(catToFile(store, oid, out, { progress, signal: c.signal, tmpDir: join(dir, 'tmp') })).rejects.toBeInstanceOf(InterruptedError);
      expect(read).toBeGreaterThan(0);
      expect(readdirSync(join(dir, 'out'))).toEqual([]);
      expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
      await expect(fsck(store, undefined, c.signal)).rejects.toBeInstanceOf(InterruptedError);
    } finally {
      store.close();
    }
  });
});
