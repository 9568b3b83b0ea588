/**
 * Issue 12 point 6: one error code keeps one exit code everywhere. Every HubError constructed in
 * src/ uses a code of ERROR_CODES (src/errors.ts) with that code's exit code, and docs/errors.md
 * documents exactly that table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ExitCode } from '../../src/errors.js';
import { checkErrorUses, errorUses, hubErrorClasses, type ErrorUse } from '../helpers/error-codes.js';
import { repoRoot } from '../helpers/paths.js';

/** Constructions whose code is an expression, allowed because it cannot change the exit code: `file: expression` and why. */
const DYNAMIC: Record<string, string> = {
  'src/core/sync/pull.ts: err.code': 'rethrows a NotFoundError as a NotFoundError with a hint: same class, same code',
  'src/server/web/content-pool.ts: e.code': 'rebuilds the HubError a content worker threw, with its code and exit code as they were there',
};

function sourceUses(): ErrorUse[] {
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  return walk(join(repoRoot, 'src')).flatMap((f) => errorUses(relative(repoRoot, f), readFileSync(f, 'utf8')));
}

describe('error codes and exit codes', () => {
  const uses = sourceUses();

  it('every error constructed in src/ has a code of ERROR_CODES, with its exit code', () => {
    expect(uses.length).toBeGreaterThan(200);
    expect(checkErrorUses(uses, ERROR_CODES, new Set(Object.keys(DYNAMIC)))).toEqual([]);
  });

  it('ERROR_CODES lists only codes in use (a class default counts), with exit codes of the table', () => {
    const used = new Set([...uses.map((u) => u.code), ...[...hubErrorClasses().values()].map((c) => c.defaultCode)]);
    expect(Object.keys(ERROR_CODES).filter((c) => !used.has(c))).toEqual([]);
    const exits = new Set<number>(Object.values(ExitCode));
    expect(Object.entries(ERROR_CODES).filter(([, e]) => !exits.has(e) || e === ExitCode.ok)).toEqual([]);
  });

  it("each HubError subclass's default code has the subclass's exit code", () => {
    for (const [name, c] of hubErrorClasses()) expect(ERROR_CODES[c.defaultCode], name).toBe(c.exitCode);
  });

  it('docs/errors.md lists every code with its exit code, and no other', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z0-9_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES);
    expect(rows).toHaveLength(Object.keys(ERROR_CODES).length); // no code twice
  });
});

describe('checkErrorUses', () => {
  const table = { bad_reconstruction: ExitCode.network, usage: ExitCode.usage };
  const check = (text: string) => checkErrorUses(errorUses('src/x.ts', text), table);

  it('reports a code with two exit codes, an unknown code, a computed code and a computed exit code', () => {
    expect(
      check(
        [
          "throw new FormatError('m', {}, 'bad_reconstruction');",
          "throw new ProtocolError('m', {}, 'bad_reconstruction');",
          "throw new HubError('bad_reconstruction', 'm', ExitCode.notFound);",
          "throw new UsageError('m', {}, 'brand_new');",
          "throw new UsageError('m', {}, code);",
          "throw new HubError('usage', 'm', exit);",
          "throw new UsageError('m');",
        ].join('\n'),
      ),
    ).toEqual([
      "src/x.ts:1: 'bad_reconstruction' exits 1 here, 6 in ERROR_CODES",
      "src/x.ts:3: 'bad_reconstruction' exits 3 here, 6 in ERROR_CODES",
      "src/x.ts:4: 'brand_new' (exit 2) is not in ERROR_CODES (src/errors.ts) and docs/errors.md",
      'src/x.ts:5: the code (code) is not a string literal, so its exit code cannot be checked',
      "src/x.ts:6: 'usage' gets an exit code that is not ExitCode.<name>",
    ]);
  });

  it('takes a HubError without an exit code as 1', () => {
    expect(errorUses('src/y.ts', "new HubError('git_failed', 'm');\nnew HubError('git_failed', 'm', undefined, {});")).toEqual([
      { where: 'src/y.ts:1', code: 'git_failed', exitCode: 1 },
      { where: 'src/y.ts:2', code: 'git_failed', exitCode: 1 },
    ]);
  });
});
