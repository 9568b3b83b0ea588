/**
 * DESIGN.md §1 enforced: every import under src/ follows the dependency direction, and the
 * checker itself reports what it should (so this test can fail).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayering, extractImports, formatViolation, type SourceFile } from '../helpers/layering.js';
import { repoRoot } from '../helpers/paths.js';

function sourcesUnder(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourcesUnder(full));
    else if (/\.[cm]?ts$/.test(entry.name)) {
      files.push({ path: relative(repoRoot, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
    }
  }
  return files;
}

/** Runs the checker over synthetic files given as path -> text; returns the formatted findings. */
function check(files: Record<string, string>): string[] {
  return checkLayering(Object.entries(files).map(([path, text]) => ({ path, text }))).map(formatViolation);
}

describe('layering of src/ (DESIGN.md §1)', () => {
  it('has no import against the dependency direction', () => {
    const files = sourcesUnder(join(repoRoot, 'src'));
    expect(files.length).toBeGreaterThan(5);
    expect(checkLayering(files).map(formatViolation)).toEqual([]);
  });
});

describe('checkLayering', () => {
  it('reports a lower layer importing a higher one, with file and line', () => {
    expect(check({ 'src/store/x.ts': "import { a } from './a.js';\nimport { y } from '../core/y.js';\n" })).toEqual([
      "src/store/x.ts:2: '../core/y.js': store -> core: store (rank 3) may not import core (rank 4)",
    ]);
  });

  it('reports peers of the same rank importing each other', () => {
    expect(check({ 'src/formats/f.ts': "import type { C } from '../chunking/c.js';" })).toEqual([
      "src/formats/f.ts:1: '../chunking/c.js': formats -> chunking: formats and chunking are peers (rank 2) and may not import each other",
    ]);
    expect(check({ 'src/store/s.ts': "export { r } from '../repo/r.js';" })).toHaveLength(1);
  });

  it('allows the own folder, strictly lower ranks and the rank-0 files', () => {
    expect(
      check({
        'src/core/add.ts': [
          "import { s } from '../store/s.js';",
          "import { r } from '../repo/r.js';",
          "import { h } from '../hash/h.js';",
          "import { HubError } from '../errors.js';",
          "import type { ProgressSink } from '../progress.js';",
          "import { x } from './x.js';",
          "import { readFile } from 'node:fs/promises';",
        ].join('\n'),
        'src/cli/commands/add.ts': "const core = await import('../../core/add.js');\nimport { Command } from 'commander';",
        'src/progress.ts': "import type { HubError } from './errors.js';",
        'src/env-flag.ts': "import { UsageError } from './errors.js';",
        'src/fs/direct-io.ts': "import { flagFrom } from '../env-flag.js';",
        'src/index.ts': "export * from './core/add.js';\nexport { HubError } from './errors.js';",
      }),
    ).toEqual([]);
  });

  it('finds dynamic imports, export-from, import types and require, and ignores comments', () => {
    const text = [
      '// import { no } from "../core/comment.js";',
      "/* export * from '../core/block.js' */",
      'const s = "import(\'../core/string.js\')";',
      "export * from '../core/a.js';",
      'type T = import("../core/b.js").B;',
      'async function f() {',
      "  return import('../core/c.js');",
      '}',
      "const d = require('../core/d.js');",
      'import {',
      '  e,',
      "} from '../core/e.js';",
    ].join('\n');
    expect(extractImports('src/hash/x.ts', text)).toEqual([
      { line: 4, specifier: '../core/a.js' },
      { line: 5, specifier: '../core/b.js' },
      { line: 7, specifier: '../core/c.js' },
      { line: 9, specifier: '../core/d.js' },
      { line: 10, specifier: '../core/e.js' },
    ]);
    expect(check({ 'src/hash/x.ts': text })).toHaveLength(5);
  });

  it('rejects a non-literal dynamic import, which it cannot check', () => {
    expect(check({ 'src/cli/x.ts': 'const name = "y";\nawait import(`../core/${name}.js`);' })).toEqual([
      'src/cli/x.ts:2: import() with a non-literal specifier cannot be checked; use a string literal',
    ]);
  });

  it('lets repo, store and core write files through fs, and keeps the pure units from it', () => {
    expect(check({ 'src/repo/r.ts': "import '../fs/atomic-file.js';", 'src/store/s.ts': "import '../fs/atomic-file.js';", 'src/core/c.ts': "import '../fs/atomic-file.js';", 'src/server/v.ts': "import '../fs/atomic-file.js';", 'src/fs/f.ts': "import '../errors.js';" })).toEqual([]);
    expect(check({ 'src/formats/f.ts': "import '../fs/atomic-file.js';", 'src/diff/d.ts': "import '../fs/atomic-file.js';", 'src/fs/x.ts': "import '../hash/sha256.js';" })).toEqual([
      "src/formats/f.ts:1: '../fs/atomic-file.js': formats -> fs: formats is pure (no I/O) and may not write files",
      "src/diff/d.ts:1: '../fs/atomic-file.js': diff -> fs: diff is pure (no I/O) and may not write files",
      "src/fs/x.ts:1: '../hash/sha256.js': fs -> hash: fs and hash are peers (rank 1) and may not import each other",
    ]);
  });

  it('enforces the server rules', () => {
    expect(check({ 'src/server/ok.ts': "import '../store/s.js';\nimport '../formats/f.js';\nimport '../diff/tensor-diff.js';\nimport Database from 'better-sqlite3';" })).toEqual([]);
    expect(check({ 'src/server/web/page.ts': "import '../../diff/text-diff.js';\nimport MarkdownIt from 'markdown-it';\nimport sanitize from 'sanitize-html';\nimport { parse } from 'yaml';" })).toEqual([]);
    expect(check({ 'src/diff/d.ts': "import MarkdownIt from 'markdown-it';" })).toEqual(["src/diff/d.ts:1: 'markdown-it': only server may import markdown-it"]);
    expect(check({ 'src/server/bad.ts': "import '../transfer/t.js';\nimport '../core/c.js';\nimport '../cli/main.js';" })).toHaveLength(3);
    expect(check({ 'src/cli/commands/serve.ts': "await import('../../server/serve.js');" })).toEqual([]);
    expect(check({ 'src/core/c.ts': "import '../server/serve.js';" })).toEqual([
      "src/core/c.ts:1: '../server/serve.js': core -> server: only cli (hub serve) may import server",
    ]);
  });

  it('enforces who may import which package', () => {
    expect(
      check({
        'src/core/a.ts': "import { Command } from 'commander';\nimport chalk from 'chalk';\nimport ora from 'ora';",
        'src/store/b.ts': "import git from 'isomorphic-git';\nimport { request } from 'undici';",
        'src/diff/c.ts': "import Database from 'better-sqlite3';",
        'src/repo/ok.ts': "import git from 'isomorphic-git';\nimport http from 'isomorphic-git/http/node';",
        'src/transfer/ok.ts': "import { Agent } from 'undici';",
        'src/store/ok.ts': "import Database from 'better-sqlite3';",
      }),
    ).toEqual([
      "src/core/a.ts:1: 'commander': only cli may import commander",
      "src/core/a.ts:2: 'chalk': only cli may import chalk",
      "src/core/a.ts:3: 'ora': only cli may import ora",
      "src/store/b.ts:1: 'isomorphic-git': only repo may import isomorphic-git",
      "src/store/b.ts:2: 'undici': only transfer may import undici",
      "src/diff/c.ts:1: 'better-sqlite3': only store, server may import better-sqlite3",
    ]);
  });

  it('rejects index.ts importing cli, anything importing index.ts, unknown folders and paths outside src/', () => {
    expect(check({ 'src/index.ts': "export { main } from './cli/main.js';" })).toHaveLength(1);
    expect(check({ 'src/core/a.ts': "import { x } from '../index.js';" })).toHaveLength(1);
    expect(check({ 'src/utils/u.ts': '' })).toEqual([
      'src/utils/u.ts:1: src/utils/u.ts is outside the layers of DESIGN.md §1 (add its folder to the table first)',
    ]);
    expect(check({ 'src/hash/a.ts': "import '../../test/helpers/x.js';" })).toEqual([
      "src/hash/a.ts:1: '../../test/helpers/x.js': imports test/helpers/x.js, outside src/",
    ]);
  });
});
