import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countTreeChanges } from '../../../src/repo/tree-changes.js';
import { git } from '../../helpers/git-repo.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

describe('countTreeChanges', () => {
  it('counts what git diff --name-status --no-renames counts, through nested, replaced and moved folders', async () => {
    const dir = tmpDir();
    git(dir, 'init', '-q', '-b', 'main');
    const put = (p: string, text: string) => {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), text);
    };
    for (const p of ['keep/a.txt', 'keep/deep/b.txt', 'mod.txt', 'gone/x.txt', 'gone/y/z.txt', 'becomes-dir', 'dir-becomes-file/f.txt', 'exec.sh', 'moved/m.txt']) put(p, `${p}\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'before');
    put('mod.txt', 'changed\n');
    rmSync(join(dir, 'gone'), { recursive: true });
    rmSync(join(dir, 'becomes-dir'));
    put('becomes-dir/inner.txt', 'now a folder\n');
    rmSync(join(dir, 'dir-becomes-file'), { recursive: true });
    put('dir-becomes-file', 'now a file\n');
    chmodSync(join(dir, 'exec.sh'), 0o755);
    rmSync(join(dir, 'moved'), { recursive: true });
    put('elsewhere/m.txt', 'moved/m.txt\n');
    put('new/deep/n.txt', 'new\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'after');
    const tree = (rev: string) => git(dir, 'rev-parse', `${rev}^{tree}`).trim();
    const status = git(dir, 'diff', '--name-status', '--no-renames', 'HEAD~1', 'HEAD').trim().split('\n').map((l) => l[0]);
    const fromGit = { added: status.filter((c) => c === 'A').length, modified: status.filter((c) => c === 'M').length, deleted: status.filter((c) => c === 'D').length };
    expect(fromGit).toEqual({ added: 4, modified: 2, deleted: 5 }); // the fixture really exercises each kind
    expect(await countTreeChanges(join(dir, '.git'), tree('HEAD~1'), tree('HEAD'))).toEqual(fromGit);
    const all = git(dir, 'ls-tree', '-r', '--name-only', 'HEAD').trim().split('\n').length;
    expect(await countTreeChanges(join(dir, '.git'), undefined, tree('HEAD'))).toEqual({ added: all, modified: 0, deleted: 0 });
    expect(await countTreeChanges(join(dir, '.git'), tree('HEAD'), tree('HEAD'))).toEqual({ added: 0, modified: 0, deleted: 0 });
  });
});
