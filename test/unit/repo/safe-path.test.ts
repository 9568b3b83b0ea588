import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../src/errors.js';
import { assertNoSymlinkParents, assertSafeTreePath } from '../../../src/repo/safe-path.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

describe('safe tree paths', () => {
  it.each(['../x', 'a/../../x', '/etc/passwd', '.git/config', 'a/.GIT/hooks/x', 'a//b', './a', 'a/.', '', 'a\\..\\b', 'a\0b'])('refuses %j', (p) => {
    expect(() => assertSafeTreePath(p, 'test')).toThrow(IntegrityError);
  });
  it.each(['a', 'a/b/c.bin', '.gitattributes', 'x/.gitignore', '..a', 'a..b/c', '.github/workflows/x.yml'])('accepts %j', (p) => {
    expect(() => assertSafeTreePath(p, 'test')).not.toThrow();
  });
  it('refuses to write through a symlinked parent directory', () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'real'));
    symlinkSync(tmpDir(), join(dir, 'link'));
    expect(() => assertNoSymlinkParents(dir, 'link/evil.txt')).toThrow(/through the symlink 'link'/);
    expect(() => assertNoSymlinkParents(dir, 'real/ok.txt')).not.toThrow();
    expect(() => assertNoSymlinkParents(dir, 'new/dir/ok.txt')).not.toThrow();
  });
});
