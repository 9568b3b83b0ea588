/**
 * A pull that replaces a large working file drops the old file's cached pages while it downloads,
 * so the new file's writes reuse them (fs/release-old.ts, docs/performance.md "Pages of the file a
 * pull replaces"). The old file is kept alive here by a second hard link: after the pull its
 * inode is no longer the working file's, and only the drop empties its cache (the rename and the
 * background rm leave a linked inode's pages where they are). A file written less than 30 s
 * before the pull keeps its pages while the system holds many dirty pages (here: a 64 MiB file
 * written just before the pull and not synced): they may be dirty too. (With few dirty pages a
 * young file is dropped as well: test/unit/fs/release-old.test.ts.) Pages are counted with `fincore`
 * (util-linux); on tmpfs, whose pages are the files themselves, the test is skipped.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_AFTER_MS } from '../../src/fs/release-old.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { cachedPages, mostPages, onTmpfs, until } from '../helpers/page-cache.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe.skipIf(onTmpfs(tmpDir()))('a pull releases the pages of the large files it replaces', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it('drops the cache of an old file it replaces, keeps a young one\'s, and the old bytes stay whole', async () => {
    const { dir: a, env: envA } = await localRepoWithRemote(s, 'admin/pages');
    makeModel(join(a, 'old.safetensors'), '24MiB', 61);
    makeModel(join(a, 'young.safetensors'), '24MiB', 62);
    await runHubJson(['add', '-A'], { cwd: a, env: envA });
    await runHubJson(['commit', '-m', 'rev1'], { cwd: a, env: envA });
    await runHubJson(['push'], { cwd: a, env: envA });

    const parent = tmpDir();
    const envB = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
    await runHubJson(['clone', `${s.url}/admin/pages`, 'b'], { cwd: parent, env: envB });
    const b = join(parent, 'b');
    const rev1 = { old: sha(join(b, 'old.safetensors')), young: sha(join(b, 'young.safetensors')) };
    execFileSync('sync'); // the clone's pages written back: clean, as a file cloned long ago
    const past = (Date.now() - CLEAN_AFTER_MS - 60_000) / 1000;
    utimesSync(join(b, 'old.safetensors'), past, past);
    // second links: the inodes outlive the pull, with whatever pages they have
    for (const f of ['old', 'young']) linkSync(join(b, `${f}.safetensors`), join(parent, `${f}.kept`));
    // the new file times recorded (a link changes a file's ctime), so the pull reads neither file again
    await runHubJson(['add', '-A'], { cwd: b, env: envB });
    expect((await runHubJson(['status'], { cwd: b, env: envB })).clean).toBe(true);
    for (const f of ['old', 'young']) readFileSync(join(parent, `${f}.kept`)); // every page cached
    const most = mostPages(join(parent, 'old.kept')); // nearly every page (page-cache.ts says why)
    expect(cachedPages(join(parent, 'old.kept'))).toBeGreaterThanOrEqual(most);

    for (const f of ['old', 'young']) {
      mutateModel(join(a, `${f}.safetensors`), join(a, 'next'), 0.1, f === 'old' ? 63 : 64);
      renameSync(join(a, 'next'), join(a, `${f}.safetensors`));
    }
    await runHubJson(['add', '-A'], { cwd: a, env: envA });
    await runHubJson(['commit', '-m', 'rev2'], { cwd: a, env: envA });
    await runHubJson(['push'], { cwd: a, env: envA });
    // dirty pages well past 1/8 of the young file (written back only after 30 s, or past
    // gigabytes of dirty data by Linux's defaults): the young file must be left alone
    writeFileSync(join(parent, 'dirty.bin'), Buffer.alloc(64 << 20, 1));
    const pulled = await runHubJson(['pull'], { cwd: b, env: envB });
    expect(pulled.written.sort()).toEqual(['old.safetensors', 'young.safetensors']);
    for (const f of ['old', 'young']) expect(sha(join(b, `${f}.safetensors`))).toBe(sha(join(a, `${f}.safetensors`)));

    expect(statSync(join(parent, 'old.kept')).ino).not.toBe(statSync(join(b, 'old.safetensors')).ino);
    expect(await until(() => cachedPages(join(parent, 'old.kept')) === 0), "the replaced old file's pages were dropped").toBe(true);
    // the young file was written by the clone a moment ago, and the system holds dirty pages: left alone
    expect(cachedPages(join(parent, 'young.kept'))).toBeGreaterThanOrEqual(most);
    expect({ old: sha(join(parent, 'old.kept')), young: sha(join(parent, 'young.kept')) }).toEqual(rev1);
  });
});
