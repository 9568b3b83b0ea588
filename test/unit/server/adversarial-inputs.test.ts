/**
 * The regular expressions and parsers of src/server and src/formats that see a caller's bytes
 * (headers, paths, query values, bodies, pushed git objects), each fed the inputs that make a
 * backtracking matcher go quadratic or worse (long runs of what a quantifier takes, followed by
 * what makes the match fail), at 64 KiB or the input's own limit. Issue 11 found one such
 * expression (the base64 check: 2.6 s on 60 KB); this keeps the others honest. Each case has a
 * generous bound (500 ms: a linear pass takes microseconds to tens of milliseconds, a quadratic
 * one seconds; the margin is for a machine busy with other test files).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGitattributes } from '../../../src/formats/gitattributes.js';
import { readAsGitLfs } from '../../../src/formats/lfs-pointer-reading.js';
import { parsePointer } from '../../../src/formats/lfs-pointer.js';
import { identify } from '../../../src/server/access.js';
import { isHfsDotGit, isNtfsDotGit } from '../../../src/server/git-paths.js';
import { gitRoute, parseCgiHeaders } from '../../../src/server/git-http.js';
import { checkRevision, commitInfo } from '../../../src/server/git-read.js';
import { decodeCursor, repoPath } from '../../../src/server/hf-entries.js';
import { validBranchName } from '../../../src/server/hf-commit.js';
import { checkRepoPath, isBase64 } from '../../../src/server/hf-commit-payload.js';
import { hfReadRoute } from '../../../src/server/hf-read.js';
import { matchHfWrite } from '../../../src/server/hf-write.js';
import { scanJson } from '../../../src/server/json-scan.js';
import { parseRange } from '../../../src/server/lfs.js';
import { SqliteMetadata } from '../../../src/server/metadata.js';
import { tokenRoute } from '../../../src/server/tokens-api.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const N = 64 << 10;
const run = (c: string, n = N) => c.repeat(Math.ceil(n / c.length)).slice(0, n);

/**
 * Runs `fn` on each input (errors are answers too) and returns the slowest, in ms. Each input's
 * cost is the fastest of three runs: a busy machine can preempt one run for a few hundred ms
 * (CI runs test files in parallel), a quadratic matcher is slow every time.
 */
function slowest(inputs: string[], fn: (input: string) => unknown): number {
  let worst = 0;
  for (const input of inputs) {
    let best = Infinity;
    for (let i = 0; i < 3 && best >= 25; i++) {
      const t0 = performance.now();
      try {
        fn(input);
      } catch {
        // a refusal is a fine answer; only its cost matters here
      }
      best = Math.min(best, performance.now() - t0);
    }
    worst = Math.max(worst, best);
  }
  return worst;
}

/** The inputs that hurt backtracking matchers, built around `pieces` (what the expression's quantifiers take). */
function adversarial(...pieces: string[]): string[] {
  const out: string[] = [];
  for (const p of pieces) for (const tail of ['', '!', '\n', '\0', ' x', '/', '<']) out.push(run(p) + tail, tail + run(p) + tail);
  return out;
}

const meta = SqliteMetadata.open(join(tmpDir('hub-adversarial-'), 'meta.sqlite'));
afterAll(() => meta.close());

const CASES: Array<[string, string[], (input: string) => unknown]> = [
  ['Authorization header (identify)', adversarial(' ', 'a ', 'Bearer ', ' a', '\t'), (s) => identify(meta, s)],
  ['Range header (parseRange)', adversarial('1', '-', 'bytes=1', '0-'), (s) => parseRange(s, 1e12)],
  ['CGI header block (parseCgiHeaders)', adversarial('a:', ': ', 'Status: 2', '\n\n'), (s) => parseCgiHeaders(s)],
  ['git route paths (gitRoute)', adversarial('/a', 'a/', '/info/refs', '.git/', '..'), (s) => gitRoute(`/${s}`)],
  ['HF read routes (hfReadRoute)', adversarial('/a', 'refs/', '%2F', '/resolve/'), (s) => hfReadRoute(`/api/models/a/b/tree/${s}`)],
  ['HF write routes (matchHfWrite)', adversarial('/a', '%2F', '/commit/'), (s) => matchHfWrite(`/api/models/a/b/commit/${s}`)],
  ['token routes (tokenRoute)', adversarial('1', '/'), (s) => tokenRoute(`/api/tokens/${s}`)],
  ['revisions (checkRevision)', adversarial('a.', '.', '..', '@', '@{', '/.lock'), (s) => checkRevision(s)],
  ['branch names (validBranchName)', adversarial('a.', '.', '/.', '.lock/', '@{'), (s) => validBranchName(s)],
  ['repository paths (checkRepoPath, repoPath)', adversarial('a/', './', '.git ', '\\', '.git\u200c/'), (s) => [checkRepoPath(s), repoPath(s)]],
  ['.git look-alikes (isHfsDotGit, isNtfsDotGit)', adversarial('.', ' ', '\u200c', '.git\\', 'git~1 '), (s) => [isHfsDotGit(s), isNtfsDotGit(s)]],
  ['base64 (isBase64)', adversarial(' ', 'A ', '= ', 'A'), (s) => isBase64(s)],
  ['page cursors (decodeCursor)', adversarial('A', 'a:', ':1'), (s) => decodeCursor(s)],
  ['JSON bodies (scanJson)', adversarial('[', '{"a":', '"\\\\', ','), (s) => scanJson(Buffer.from(s), { maxDepth: 1 << 20, maxValues: 1 << 30 })],
  ['.gitattributes text (parseGitattributes)', adversarial('"\\', ' ', 'a ', '"\\303', '\\"', 'a=b '), (s) => parseGitattributes(s)],
  ['pointers (parsePointer, readAsGitLfs)', adversarial('\n', ' ', 'version ', '\r\n', 'git-lfs '), (s) => [parsePointer(s.slice(0, 1023)), readAsGitLfs(Buffer.from(s))]],
];

describe('parsers of caller input stay linear', () => {
  for (const [what, inputs, fn] of CASES) {
    it(`${what}: ${inputs.length} adversarial inputs of 64 KiB`, () => {
      expect(slowest(inputs, fn), `${what}: slowest input (ms)`).toBeLessThan(500);
    });
  }

  it('commit headers of pushed commits (commitInfo)', () => {
    const inputs = adversarial(' 1', '1', ' 1 +', 'committer ', '\ncommitter ').map((s) => Buffer.from(`tree x\ncommitter ${s}\n\ntitle`));
    expect(slowest(inputs.map((b) => b.toString('latin1')), (s) => commitInfo('x', Buffer.from(s, 'latin1')))).toBeLessThan(500);
  });
});
