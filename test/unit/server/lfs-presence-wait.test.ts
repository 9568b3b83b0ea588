// The pre-receive check against registrations in flight (lfs-presence.ts), on a real SQLite
// metadata file, with the server's steps put exactly between the check's two reads: a
// registration that ends (object held, then mark removed) after the check read the sizes and
// before it read the marks must not make the check refuse an object it now holds.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqlitePresence, wrongAfterRegistrations } from '../../../src/server/lfs-presence.js';
import { SqliteMetadata } from '../../../src/server/metadata.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const OID = 'ab'.repeat(32);

async function setUp() {
  const path = join(tmpDir('hub-presence-'), 'meta.sqlite');
  const meta = SqliteMetadata.open(path);
  await meta.ensureUser('alice');
  const repo = await meta.createRepo({ type: 'model', owner: 'alice', name: 'm', private: false });
  return { path, meta, repoId: repo.id };
}

describe('the pre-receive check and a registration in flight', () => {
  it('accepts an object whose registration ends between its look at the sizes and its look at the marks', async () => {
    const { path, meta, repoId } = await setUp();
    const mark = await meta.registrations.begin(repoId, OID);
    const real = await sqlitePresence(path, repoId);
    let raced = false;
    const view = {
      sizes: real.sizes,
      // the server's end of the registration, in its order: the object held, then the mark gone
      registering: async (oids: readonly string[]) => {
        if (!raced) {
          raced = true;
          await meta.addObject(repoId, OID, 100);
          await meta.registrations.end(mark);
        }
        return real.registering(oids);
      },
      close: real.close,
    };
    try {
      expect(await wrongAfterRegistrations([{ oid: OID, size: 100 }], view)).toEqual([]);
      expect(raced).toBe(true);
    } finally {
      real.close();
      await meta.close();
    }
  });

  it('refuses an object whose mark goes without it, and one held at another size', async () => {
    const { path, meta, repoId } = await setUp();
    const mark = await meta.registrations.begin(repoId, OID);
    const other = 'cd'.repeat(32);
    await meta.addObject(repoId, other, 7);
    const real = await sqlitePresence(path, repoId);
    setTimeout(() => void meta.registrations.end(mark), 200);
    try {
      expect(await wrongAfterRegistrations([{ oid: OID, size: 100 }, { oid: other, size: 8 }], real)).toEqual([
        { oid: OID, size: 100 },
        { oid: other, size: 8, held: 7 },
      ]);
    } finally {
      real.close();
      await meta.close();
    }
  });
});
