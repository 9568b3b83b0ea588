import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/hash/sha256.js';
import { git } from '../helpers/git-repo.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };
const FILES = ['model.safetensors', 'config.json', 'tokenizer.json'];

function digests(dir: string): Record<string, string> {
  return Object.fromEntries(FILES.map((f) => [f, sha256Hex(readFileSync(join(dir, f)))]));
}

describe('round trip of two revisions of a 64 MiB model', () => {
  it('checkout rev1 and rev2 alternately: bytes match, status clean, store at most 1.15x one revision', async () => {
    const dir = tmpDir();
    const hub = (args: string[]) => runHubJson(args, { cwd: dir, env: ID });
    await hub(['init']);
    git(dir, 'lfs', 'install', '--local'); // git agrees with hub about large files only through git-lfs
    await hub(['track', '*.safetensors']);
    makeModel(join(dir, 'model.safetensors'), '64MiB', 7);
    writeFileSync(join(dir, 'config.json'), '{"layers": 40, "rev": 1}\n');
    writeFileSync(join(dir, 'tokenizer.json'), '{"vocab": ["a", "b"]}\n');
    await hub(['add', '-A']);
    const rev1 = (await hub(['commit', '-m', 'rev1'])).commit;
    const want1 = digests(dir);

    mutateModel(join(dir, 'model.safetensors'), join(dir, 'next.safetensors'), 0.1, 8);
    writeFileSync(join(dir, 'model.safetensors'), readFileSync(join(dir, 'next.safetensors')));
    (await import('node:fs')).unlinkSync(join(dir, 'next.safetensors'));
    writeFileSync(join(dir, 'config.json'), '{"layers": 40, "rev": 2}\n');
    await hub(['add', '-A']);
    const rev2 = (await hub(['commit', '-m', 'rev2'])).commit;
    const want2 = digests(dir);
    expect(want2['model.safetensors']).not.toBe(want1['model.safetensors']);

    for (const [rev, want] of [[rev1, want1], [rev2, want2], [rev1, want1], ['main', want2]] as const) {
      const r = await hub(['checkout', rev]);
      expect(r.commit).toBe(rev === 'main' ? rev2 : rev);
      expect(digests(dir)).toEqual(want);
      const st = await hub(['status']);
      expect(st.clean, JSON.stringify(st)).toBe(true);
      expect(git(dir, 'status', '--porcelain')).toBe('');
    }
    const size = statSync(join(dir, 'model.safetensors')).size;
    const du = await hub(['du']);
    expect(du.storedBytes).toBeLessThanOrEqual(1.15 * size);
    expect(du.files).toBe(2);
    expect((await runHub(['fsck'], { cwd: dir })).code).toBe(0);
  });
});
