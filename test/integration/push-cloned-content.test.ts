import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';

describe('pushing content that came from the server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  for (const transfer of ['xet', 'hub-chunks']) {
    it(`${transfer}: a file cloned from one repository pushes to another repository of the same server (its chunks are in the server xorbs, its manifest names xorbs of the clone)`, async () => {
      const extra: Record<string, string> = { HUB_TRANSFER: transfer };
      const made = await localRepoWithRemote(s, `admin/origin-repo-${transfer}`);
      const a = made.dir;
      const envA = { ...made.env, ...extra };
      // rev2's new chunks go into a xorb of their own on A's side (and so on the server); a clone
      // of rev2 packs all of rev2's chunks into xorbs of its own, which the server never saw
      makeModel(join(a, 'model.safetensors'), '6MiB', 131);
      await runHubJson(['add', '-A'], { cwd: a, env: envA });
      await runHubJson(['commit', '-m', 'rev1'], { cwd: a, env: envA });
      await runHubJson(['push'], { cwd: a, env: envA });
      mutateModel(join(a, 'model.safetensors'), join(a, 'next'), 0.1, 132);
      renameSync(join(a, 'next'), join(a, 'model.safetensors'));
      await runHubJson(['add', '-A'], { cwd: a, env: envA });
      await runHubJson(['commit', '-m', 'rev2'], { cwd: a, env: envA });
      await runHubJson(['push'], { cwd: a, env: envA });

      // B clones (its store packs the chunks it fetched into xorbs of its own) and pushes the same file elsewhere
      const parent = tmpDir();
      const envB = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken, ...extra };
      await runHubJson(['clone', `${s.url}/admin/origin-repo-${transfer}`, 'b'], { cwd: parent, env: envB });
      await runHubJson(['repo', 'create', `admin/copy-repo-${transfer}`, '--endpoint', s.url, '--token', s.adminToken]);
      const c = tmpDir();
      await runHubJson(['init'], { cwd: c, env: envB });
      await runHubJson(['track', '*.safetensors'], { cwd: c, env: envB });
      await runHubJson(['remote', 'add', 'origin', `${s.url}/admin/copy-repo-${transfer}`], { cwd: c, env: envB });
      copyFileSync(join(parent, 'b', 'model.safetensors'), join(c, 'model.safetensors'));
      await runHubJson(['add', '-A'], { cwd: c, env: envB });
      await runHubJson(['commit', '-m', 'copy'], { cwd: c, env: envB });
      const pushed = await runHubJson(['push'], { cwd: c, env: envB });
      expect(pushed).toMatchObject({ transfer, objects: { uploaded: 1 } });

      // a third user clones the copy and gets the same bytes
      const other = tmpDir();
      await runHubJson(['clone', `${s.url}/admin/copy-repo-${transfer}`, 'd'], { cwd: other, env: { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken, ...extra } });
      const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
      expect(sha(join(other, 'd', 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
    });
  }
});
