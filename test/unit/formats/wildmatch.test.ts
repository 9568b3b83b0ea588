/**
 * The `.gitattributes` pattern matcher (src/formats/wildmatch.ts through AttributeMatcher)
 * against `git check-attr` as the oracle, on hand-picked edge cases of git's wildmatch and on
 * random patterns (seed printed); and the adversarial patterns of issue 11, which backtracking
 * matchers (git's own, and the regular expressions `ignore` builds) take minutes on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttributeMatcher, parseGitattributes } from '../../../src/formats/gitattributes.js';
import { compileWildmatch, wildmatch } from '../../../src/formats/wildmatch.js';
import { git } from '../../helpers/git-repo.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

/** For every pattern, the paths git says it matches (each pattern sets its own attribute `p<i>`). */
function gitMatches(patterns: string[], paths: string[], sub?: string): Set<string> {
  const dir = tmpDir('hub-wildmatch-');
  git(dir, 'init', '-q', '-b', 'main');
  const file = sub ? join(dir, sub, '.gitattributes') : join(dir, '.gitattributes');
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, patterns.map((p, i) => `${p} p${i}\n`).join(''));
  const out = git(dir, 'check-attr', '-z', '--all', '--', ...paths).split('\0');
  const set = new Set<string>();
  for (let i = 0; i + 2 < out.length; i += 3) if (out[i + 2] === 'set') set.add(`${out[i + 1]} ${out[i]}`);
  return set;
}

function hubMatches(patterns: string[], paths: string[], sub?: string): Set<string> {
  const text = patterns.map((p, i) => `${p} p${i}\n`).join('');
  const matcher = new AttributeMatcher([{ base: sub ?? '', rules: parseGitattributes(text) }]);
  const set = new Set<string>();
  for (const path of paths) patterns.forEach((_, i) => matcher.get(path, `p${i}`) === true && set.add(`p${i} ${path}`));
  return set;
}

const EDGE_PATTERNS = [
  'foo**/bar', 'a/**', '**/a', 'a/**/b', 'a/**\\/b', '**', '*', 'a*/b', '[[:alpha:]]*', '[]a]x', '[a-c-e]', '[!/]x',
  'x/[!/]', 'x\\', '[', '[[:foo:]]', 'a?c', '?', '**a', 'a**', '/a/b', 'a/b/', '*.bin', 'ü*', 'a/*', 'a/*/b', '*/b',
  '[^a]', '[\\]]', 'x/**/**/y', '**/**', 'a/b**', '[[:digit:][:upper:]]?', '[a-]', 'sub/x', '/x', '\\*', '[[:x]',
  // found by the random test (seeds 639243, 655091): `**/` skipped its `/` after taking bytes
  '**/ab', '**/[ab]', 'é**/a', 'é/**/[!a]*',
];
const EDGE_PATHS = [
  'a', 'b', 'x', 'ü', 'üb', 'a/b', 'a/x/b', 'a/x/y/b', 'a/b/c', 'foo/bar', 'foox/bar', 'foo/x/bar', 'foox/y/bar', 'fo/bar',
  'ab', 'abc', 'a1c', 'a/c', 'ax', ']x', 'bx', 'e', 'd', '-', 'x/a', 'x/ab', 'w.bin', 'q/w.bin', 'x/y', 'x/z/y',
  'x/q/r/y', 'A', 'Z9', 'b9', 'a/bc', 'a/b/x', ']', 'sub/x', 'sub/sub/x', '*', 'x/x', 'a/**', '[',
  'ba/aab', 'a.b/a.b/é/ba', 'é/aab/ba/ba', 'é/*/aab',
];

describe('wildmatch through AttributeMatcher', () => {
  it('agrees with git check-attr on the edge cases of git wildmatch', () => {
    const fromGit = gitMatches(EDGE_PATTERNS, EDGE_PATHS);
    expect(hubMatches(EDGE_PATTERNS, EDGE_PATHS)).toEqual(fromGit);
    expect(fromGit.size).toBeGreaterThan(80); // the cases really match things
  });

  it('agrees with git check-attr for a .gitattributes in a subdirectory', () => {
    const paths = EDGE_PATHS.map((p) => `sub/${p}`).concat(EDGE_PATHS.slice(0, 10));
    const fromGit = gitMatches(EDGE_PATTERNS, paths, 'sub');
    expect(hubMatches(EDGE_PATTERNS, paths, 'sub')).toEqual(fromGit);
    expect(fromGit.size).toBeGreaterThan(80);
  });

  it('agrees with git check-attr on random patterns and paths', () => {
    const random = seededRandom(testSeed('wildmatch random'));
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    const atoms = ['a', 'b', 'ab', '/', '/', '*', '**', '?', '[ab]', '[!a]', '[a-b]', '\\*', 'é', '.', '[[:alpha:]]'];
    const patterns = Array.from({ length: 120 }, () => {
      let p = '';
      const n = 1 + Math.floor(random() * 6);
      for (let i = 0; i < n; i++) p += pick(atoms);
      return p.replace(/\/{2,}/g, '/').replace(/^!/, 'a');
    });
    const components = ['a', 'b', 'ab', 'ba', 'é', 'a.b', '*', 'aab'];
    const paths = [...new Set(Array.from({ length: 80 }, () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(components)).join('/')))];
    const fromGit = gitMatches(patterns, paths);
    expect(hubMatches(patterns, paths)).toEqual(fromGit);
    expect(fromGit.size).toBeGreaterThan(50);
  });
});

describe('wildmatch cost', () => {
  it('matches the adversarial patterns of issue 11 in time linear in pattern × path', () => {
    const path = `${'a/'.repeat(30)}b`;
    const attack = `${'**/a/'.repeat(10)}**/c`;
    const matcher = new AttributeMatcher([{ base: '', rules: parseGitattributes(`${attack} filter=lfs\n${'**/a'.repeat(10)} filter=lfs\n`) }]);
    const started = performance.now();
    expect(matcher.isLfs(path)).toBe(false);
    expect(matcher.isLfs(`${'a/'.repeat(30)}c`)).toBe(true);
    // the same patterns at the size limits git allows: 2 KiB pattern, 4 KiB path
    const long = compileWildmatch(Buffer.from(`${'**/a'.repeat(400)}/x`), true);
    expect(wildmatch(long, Buffer.from(`${'a/'.repeat(2000)}b`))).toBe(false);
    const stars = compileWildmatch(Buffer.from(`${'*a'.repeat(1000)}x`), true);
    expect(wildmatch(stars, Buffer.from('a'.repeat(4000)))).toBe(false);
    // a backtracking matcher needs minutes here; this one needs milliseconds (wide margin)
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
