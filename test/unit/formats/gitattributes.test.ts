import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../../src/errors.js';
import {
  AttributeMatcher,
  addTrackedPattern,
  parseGitattributes,
  removeTrackedPattern,
  trackLine,
  trackedPatterns,
  type AttributeValue,
} from '../../../src/formats/gitattributes.js';
import { git, gitEnv } from '../../helpers/git-repo.js';
import { tmpDir } from '../../helpers/tmp-dir.js';


function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const LFS = 'filter=lfs diff=lfs merge=lfs -text';

describe('parseGitattributes', () => {
  it('reads patterns, the four attribute states and 1-based line numbers; skips blanks and comments', () => {
    const text = '# header\n\n*.bin filter=lfs diff=lfs merge=lfs -text\n  # indented comment\n\t*.txt text !eol crlf=input\n*.md\n';
    expect(parseGitattributes(text)).toEqual([
      { pattern: '*.bin', attrs: { filter: 'lfs', diff: 'lfs', merge: 'lfs', text: false }, line: 3 },
      { pattern: '*.txt', attrs: { text: true, eol: null, crlf: 'input' }, line: 5 },
      { pattern: '*.md', attrs: {}, line: 6 },
    ]);
  });

  it('unquotes C-style quoted patterns the way git does, falling back to the bare token when malformed', () => {
    const rules = parseGitattributes(
      [
        '"model name.bin" filter=lfs',
        '"tab\\there\\\\\\"" x',
        '"\\303\\274.bin" y',
        '"bad\\q" z',
        '"bad\\q escape" z', // the bare token is `"bad\q`, then `escape"` is not an attribute name: line dropped
        '"unterminated w',
        '"glued"attr',
      ].join('\n'),
    );
    expect(rules.map((r) => [r.pattern, r.attrs])).toEqual([
      ['model name.bin', { filter: 'lfs' }],
      ['tab\there\\"', { x: true }],
      ['ü.bin', { y: true }],
      ['"bad\\q"', { z: true }],
      ['"unterminated', { w: true }],
      ['glued', { attr: true }],
    ]);
  });

  it('skips negative patterns, [attr] macro lines and lines with an invalid attribute name, as git does', () => {
    const text = '!*.bin filter=lfs\n[attr]lfs filter=lfs diff=lfs\n"!quoted" x\n\\!literal y\n*.a -=x\n*.b -ok bad/name\n[attr] z\n*.c ok\n';
    expect(parseGitattributes(text)).toEqual([
      { pattern: '\\!literal', attrs: { y: true }, line: 4 },
      { pattern: '[attr]', attrs: { z: true }, line: 7 },
      { pattern: '*.c', attrs: { ok: true }, line: 8 },
    ]);
  });

  it('handles CRLF, a BOM, -attr=value, an empty value, repeated attributes and overlong lines', () => {
    const long = `${'x'.repeat(2040)} filter=lfs`;
    const text = `\uFEFF*.a filter=lfs\r\n*.b -filter=lfs diff= merge=one merge=two\r\n${long}\n*.c ok`;
    expect(parseGitattributes(text)).toEqual([
      { pattern: '*.a', attrs: { filter: 'lfs' }, line: 1 },
      { pattern: '*.b', attrs: { filter: false, diff: '', merge: 'two' }, line: 2 },
      { pattern: '*.c', attrs: { ok: true }, line: 4 },
    ]);
  });
});

/** Root, one-level and two-level attribute files covering git's matching rules. */
const ATTRIBUTE_FILES: Record<string, string> = {
  '.gitattributes': [
    '# models',
    `*.safetensors ${LFS}`,
    `*.bin ${LFS}`,
    'data/*.csv filter=lfs',
    '/top.pt filter=lfs',
    '**/ckpt/** filter=lfs',
    '"model name.gguf" filter=lfs',
    'model[[:space:]]v2.gguf filter=lfs',
    'small.bin -filter',
    'logs/ filter=lfs',
    'docs filter=lfs',
    '!neg.dat filter=lfs',
    '*.tmp filter=lfs',
    '*.tmp !filter',
    'a\\#b.dat filter=lfs',
    'deep/**/x.dat filter=lfs diff=deep',
    // shapes AttributeMatcher answers without `ignore` (git's own shortcuts): a literal path, a suffix
    'models/exact.pt filter=lfs',
    '*-weights filter=lfs diff=suffix',
  ].join('\n'),
  'sub/.gitattributes': '*.safetensors filter=other\n',
  'sub/dir/.gitattributes': ['*.bin -filter', 'keep.bin filter=lfs', '/anch.dat filter=lfs', 'x/*.dat filter=custom', ''].join('\n'),
};

const ATTRIBUTE_PATHS = [
  'top.pt', 'x/top.pt', 'm.safetensors', 'a/b/m.safetensors', 'sub/m.safetensors', 'sub/dir/m.safetensors',
  'data/t.csv', 'data/deep/t.csv', 'x/data/t.csv', 'q/ckpt/w', 'ckpt/w', 'ckpt', 'model name.gguf', 'x/model name.gguf',
  'model v2.gguf', 'small.bin', 'x/small.bin', 'w.bin', 'W.BIN', 'logs/a.txt', 'logs', 'docs', 'docs/x', 'neg.dat', '!neg.dat',
  'f.tmp', 'a#b.dat', 'deep/x.dat', 'deep/a/b/x.dat', 'sub/dir/a.bin', 'sub/dir/keep.bin', 'sub/dir/deeper/a.bin',
  'sub/dir/deeper/keep.bin', 'sub/dir/anch.dat', 'sub/dir/y/anch.dat', 'sub/dir/x/a.dat', 'sub/dir/x/y/a.dat',
  'sub/dirx/a.bin', 'sub/dir/small.bin', 'sub/dir/ckpt/w',
  'models/exact.pt', 'a/models/exact.pt', 'models/exact.ptx', 'exact.pt', 'models/exact.pt.bak', 'w.bin.txt', 'x.binx',
  'big-weights', 'd/big-weights', 'big-weights.txt', '-weights', 'sub/dir/x-weights',
];

function gitForm(v: AttributeValue): string {
  return v === true ? 'set' : v === false ? 'unset' : v === null ? 'unspecified' : v;
}

function matcherFor(files: Record<string, string>): AttributeMatcher {
  return new AttributeMatcher(
    Object.entries(files).map(([path, text]) => ({
      base: path === '.gitattributes' ? '' : path.slice(0, -'/.gitattributes'.length),
      rules: parseGitattributes(text),
    })),
  );
}

describe('AttributeMatcher', () => {
  it('gives the same filter and diff values as git check-attr for every path', () => {
    const dir = tmpDir('hub-attr-');
    git(dir, 'init', '-q', '-b', 'main');
    for (const [path, text] of Object.entries(ATTRIBUTE_FILES)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const out = git(dir, 'check-attr', '-z', 'filter', 'diff', '--', ...ATTRIBUTE_PATHS).split('\0');
    const fromGit: string[] = [];
    for (let i = 0; i + 2 < out.length; i += 3) fromGit.push(`${out[i]} ${out[i + 1]}=${out[i + 2]}`);
    const matcher = matcherFor(ATTRIBUTE_FILES);
    const fromHub = ATTRIBUTE_PATHS.flatMap((p) => ['filter', 'diff'].map((a) => `${p} ${a}=${gitForm(matcher.get(p, a))}`));
    expect(fromHub).toEqual(fromGit);
    // the comparison is only as good as its variety: both answers must really occur
    const filters = new Set(ATTRIBUTE_PATHS.map((p) => gitForm(matcher.get(p, 'filter'))));
    expect([...filters].sort()).toEqual(['custom', 'lfs', 'other', 'unset', 'unspecified']);
  });

  it('isLfs is filter=lfs', () => {
    const matcher = matcherFor(ATTRIBUTE_FILES);
    expect(['m.safetensors', 'w.bin', 'sub/dir/keep.bin', 'model name.gguf'].map((p) => matcher.isLfs(p))).toEqual([true, true, true, true]);
    expect(['sub/m.safetensors', 'small.bin', 'sub/dir/a.bin', 'f.tmp', 'logs/a.txt'].map((p) => matcher.isLfs(p))).toEqual([false, false, false, false, false]);
  });

  it('orders sources by depth whatever order they are given in, and refuses non-relative paths', () => {
    const deep = { base: 'sub', rules: parseGitattributes('*.bin -filter\n') };
    const root = { base: '', rules: parseGitattributes('*.bin filter=lfs\n') };
    expect(new AttributeMatcher([deep, root]).get('sub/a.bin', 'filter')).toBe(false);
    expect(new AttributeMatcher([deep, root]).get('a.bin', 'filter')).toBe('lfs');
    for (const bad of ['', '/a.bin', 'a//b.bin', './a.bin', 'x/../a.bin']) {
      expect(thrown(() => new AttributeMatcher([root]).get(bad, 'filter'))).toBeInstanceOf(UsageError);
    }
  });
});

describe('track editing helpers', () => {
  it('trackLine writes what git lfs track writes', () => {
    expect(trackLine('*.safetensors')).toBe(`*.safetensors ${LFS}`);
    expect(trackLine('data/*.bin')).toBe(`data/*.bin ${LFS}`);
    expect(trackLine('model name.bin')).toBe(`model[[:space:]]name.bin ${LFS}`);
    expect(trackLine('a#b.bin')).toBe(`a\\#b.bin ${LFS}`);
    expect(trackLine('./x.bin')).toBe(`x.bin ${LFS}`);
    expect(trackLine('/root.bin')).toBe(`/root.bin ${LFS}`);
  });

  it('the line trackLine writes makes git-compatible matching track the file', () => {
    for (const [pattern, path] of [['model name.bin', 'model name.bin'], ['a#b.bin', 'x/a#b.bin'], ['data/*.bin', 'data/1.bin']]) {
      const matcher = new AttributeMatcher([{ base: '', rules: parseGitattributes(`${trackLine(pattern)}\n`) }]);
      expect([pattern, matcher.isLfs(path)]).toEqual([pattern, true]);
    }
  });

  it('refuses patterns a .gitattributes line cannot hold', () => {
    for (const bad of ['', './', '!neg.bin', '[attr]x', 'tab\there', 'new\nline']) {
      const err = thrown(() => trackLine(bad));
      expect(err).toBeInstanceOf(UsageError);
      expect(err).toMatchObject({ code: 'bad_pattern' });
    }
  });

  it('addTrackedPattern appends once, keeps other lines and ensures the trailing newline', () => {
    expect(addTrackedPattern('', '*.bin')).toEqual({ text: `*.bin ${LFS}\n`, added: true });
    const start = '# mine\n\n*.txt text';
    const once = addTrackedPattern(start, 'model name.bin');
    expect(once).toEqual({ text: `# mine\n\n*.txt text\nmodel[[:space:]]name.bin ${LFS}\n`, added: true });
    expect(addTrackedPattern(once.text, 'model name.bin')).toEqual({ text: once.text, added: false });
    expect(addTrackedPattern(once.text, 'model[[:space:]]name.bin').added).toBe(false);
    // tracked in the file but undone by a later line: tracking again appends
    const undone = `*.bin ${LFS}\n*.bin -filter\n`;
    expect(addTrackedPattern(undone, '*.bin')).toEqual({ text: `${undone}*.bin ${LFS}\n`, added: true });
    expect(addTrackedPattern('*.txt text\r\n', '*.bin').text).toBe(`*.txt text\r\n*.bin ${LFS}\r\n`);
  });

  it('removeTrackedPattern removes only the filter=lfs lines of exactly that pattern', () => {
    const text = `# c\n*.bin ${LFS}\n*.bin diff=bin\nmodel[[:space:]]name.bin ${LFS}\ndata/*.bin ${LFS}\n*.bin filter=lfs\n`;
    expect(removeTrackedPattern(text, '*.bin')).toEqual({
      text: `# c\n*.bin diff=bin\nmodel[[:space:]]name.bin ${LFS}\ndata/*.bin ${LFS}\n`,
      removed: true,
    });
    expect(removeTrackedPattern(text, 'model name.bin').text).toBe(`# c\n*.bin ${LFS}\n*.bin diff=bin\ndata/*.bin ${LFS}\n*.bin filter=lfs\n`);
    expect(removeTrackedPattern(text, '*.safetensors')).toEqual({ text, removed: false });
  });

  it('trackedPatterns lists the patterns whose deciding filter line sets filter=lfs, in the form users type', () => {
    const text = `*.bin ${LFS}\nmodel[[:space:]]name.bin ${LFS}\n"quoted x.pt" filter=lfs\n*.tmp filter=lfs\n*.tmp -filter\n*.txt text\na\\#b ${LFS}\n`;
    expect(trackedPatterns(text)).toEqual(['*.bin', 'model name.bin', 'quoted x.pt', 'a#b']);
  });
});

const lfsVersion = spawnSync('git', ['lfs', 'version'], { encoding: 'utf8', env: gitEnv() });
const lfsMissing = lfsVersion.status !== 0 ? `git lfs version failed (${(lfsVersion.stderr || String(lfsVersion.error)).trim()})` : '';
if (lfsMissing) console.log(`skipping the comparison with real git lfs track: ${lfsMissing}`);

describe('comparison with git-lfs', () => {
  it.skipIf(lfsMissing !== '')('addTrackedPattern and removeTrackedPattern write what git lfs track and untrack write', () => {
    const dir = tmpDir('hub-lfs-track-');
    const env = gitEnv();
    const run = (...args: string[]): string => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' });
    run('init', '-q', '-b', 'main');
    run('lfs', 'install', '--local');
    const file = join(dir, '.gitattributes');
    writeFileSync(file, '# kept\n*.txt text eol=lf'); // no trailing newline
    let ours = readFileSync(file, 'utf8');
    for (const pattern of ['*.safetensors', 'data/*.bin', 'model name.bin', 'a#b.bin', '*.safetensors', 'model name.bin']) {
      run('lfs', 'track', '--', pattern);
      ours = addTrackedPattern(ours, pattern).text;
      expect([pattern, ours]).toEqual([pattern, readFileSync(file, 'utf8')]);
    }
    expect(trackedPatterns(ours)).toEqual(['*.safetensors', 'data/*.bin', 'model name.bin', 'a#b.bin']);
    for (const pattern of ['model name.bin', 'data/*.bin']) {
      run('lfs', 'untrack', '--', pattern);
      ours = removeTrackedPattern(ours, pattern).text;
      expect([pattern, ours]).toEqual([pattern, readFileSync(file, 'utf8')]);
    }
  });
});
