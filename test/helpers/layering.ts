/**
 * The import rules of DESIGN.md §1 as a checker: every `import`, `export ... from`, `import()`,
 * `require()` and `import('x').T` type of a file under src/ is an edge between two layers (or to
 * a package), and edges against the dependency direction are reported with file and line.
 *
 * Ranks: errors.ts, progress.ts, abort.ts and env-flag.ts 0 (one unit, they may use each other); hash and fs (atomic
 * file writes) 1; formats and chunking 2; repo, store, transfer, diff 3; core 4; cli 5. A module
 * may import its own folder and anything of strictly lower rank, never a peer of its own rank;
 * the pure units (formats, chunking, diff) never import fs. server may import only store, diff, formats, chunking, hash, fs and the rank-0 files (diff: the web
 * pages show the diffs the CLI computes, DESIGN.md §5), and only cli may import server (for
 * `hub serve`). index.ts may import core and lower. A folder not in this table is an error
 * until the table (and DESIGN.md) names it.
 */
import { posix } from 'node:path';
import ts from 'typescript';

/** A source file: path relative to the repository root, with forward slashes (`src/store/x.ts`). */
export interface SourceFile {
  path: string;
  text: string;
}

/** One module specifier found in a file. `specifier` is null for a non-literal `import(expr)`. */
export interface ImportEdge {
  line: number;
  specifier: string | null;
}

/** An import that breaks the rules. */
export interface LayerViolation {
  file: string;
  line: number;
  specifier: string | null;
  reason: string;
}

/** The layer units and their ranks (server, index are special-cased below). */
export const RANKS: Readonly<Record<string, number>> = {
  base: 0,
  hash: 1,
  fs: 1,
  formats: 2,
  chunking: 2,
  repo: 3,
  store: 3,
  transfer: 3,
  diff: 3,
  core: 4,
  cli: 5,
};

/** Units that do no I/O (codecs, the chunker, diffs over readers): they may not import fs. */
const PURE = new Set(['formats', 'chunking', 'diff']);

/** Units server may import besides itself. */
const SERVER_MAY_IMPORT = new Set(['base', 'hash', 'fs', 'formats', 'chunking', 'store', 'diff']);

/** Packages only some units may import. */
export const PACKAGE_OWNERS: Readonly<Record<string, readonly string[]>> = {
  'isomorphic-git': ['repo'],
  commander: ['cli'],
  chalk: ['cli'],
  ora: ['cli'],
  undici: ['transfer'],
  'better-sqlite3': ['store', 'server'],
  // the store's S3 backends (src/store/s3-*.ts): the only HTTP client outside transfer/
  '@aws-sdk/client-s3': ['store'],
  '@aws-sdk/lib-storage': ['store'],
  pg: ['server'],
  // the web pages of hub serve (src/server/web/): Markdown, HTML sanitising, YAML front matter
  'markdown-it': ['server'],
  'sanitize-html': ['server'],
  yaml: ['server'],
};

/** Every module specifier in `text`, with the 1-based line of the statement or call. */
export function extractImports(path: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    edges.push({ line, specifier: specifier && ts.isStringLiteralLike(specifier) ? specifier.text : null });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node, node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal as ts.Expression);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (isDynamicImport || isRequire) add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The unit a path under src/ belongs to (`store`, `base`, `index`, ...), or undefined outside src/. */
export function unitOf(path: string): string | undefined {
  const parts = posix.normalize(path).split('/');
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  if (parts.length === 2) {
    const name = parts[1].replace(/\.(d\.)?[cm]?[jt]s$/, '');
    if (name === 'errors' || name === 'progress' || name === 'abort' || name === 'env-flag') return 'base';
    if (name === 'index') return 'index';
    return `src/${parts[1]}`; // an unknown top-level file: reported by checkLayering
  }
  return parts[1];
}

/** Whether unit `from` may import unit `to`, and if not, why. */
export function mayImport(from: string, to: string): { ok: true } | { ok: false; why: string } {
  if (from === to) return { ok: true };
  if (to === 'index') return { ok: false, why: 'nothing inside src/ imports the public API (src/index.ts)' };
  if (from === 'server') {
    return SERVER_MAY_IMPORT.has(to)
      ? { ok: true }
      : { ok: false, why: 'server may import only store, diff, formats, chunking, hash, fs, errors.ts and progress.ts' };
  }
  if (to === 'server') {
    return from === 'cli' ? { ok: true } : { ok: false, why: 'only cli (hub serve) may import server' };
  }
  const toRank = RANKS[to];
  if (toRank === undefined) return { ok: false, why: `${to} is not a layer of DESIGN.md §1` };
  if (from === 'index') {
    return toRank <= RANKS.core ? { ok: true } : { ok: false, why: 'index.ts may import core and lower only' };
  }
  const fromRank = RANKS[from];
  if (fromRank === undefined) return { ok: false, why: `${from} is not a layer of DESIGN.md §1` };
  if (to === 'fs' && PURE.has(from)) return { ok: false, why: `${from} is pure (no I/O) and may not write files` };
  if (toRank < fromRank) return { ok: true };
  return toRank === fromRank
    ? { ok: false, why: `${from} and ${to} are peers (rank ${fromRank}) and may not import each other` }
    : { ok: false, why: `${from} (rank ${fromRank}) may not import ${to} (rank ${toRank})` };
}

/** The package a bare specifier names (`@scope/pkg`, `pkg`), or undefined for node: and relative ones. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every import in `files` that DESIGN.md §1 forbids. */
export function checkLayering(files: readonly SourceFile[]): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const file of files) {
    const from = unitOf(file.path);
    if (from === undefined) continue;
    const report = (line: number, specifier: string | null, reason: string): void => {
      violations.push({ file: file.path, line, specifier, reason });
    };
    if (from !== 'index' && from !== 'server' && RANKS[from] === undefined) {
      report(1, null, `${file.path} is outside the layers of DESIGN.md §1 (add its folder to the table first)`);
      continue;
    }
    for (const edge of extractImports(file.path, file.text)) {
      if (edge.specifier === null) {
        report(edge.line, null, 'import() with a non-literal specifier cannot be checked; use a string literal');
        continue;
      }
      const pkg = packageOf(edge.specifier);
      if (pkg !== undefined) {
        const owners = PACKAGE_OWNERS[pkg];
        if (owners && !owners.includes(from)) report(edge.line, edge.specifier, `only ${owners.join(', ')} may import ${pkg}`);
        continue;
      }
      if (!edge.specifier.startsWith('.')) {
        if (edge.specifier.startsWith('/')) report(edge.line, edge.specifier, 'absolute import path');
        continue;
      }
      const target = posix.normalize(posix.join(posix.dirname(file.path), edge.specifier));
      const to = unitOf(target);
      if (to === undefined) {
        report(edge.line, edge.specifier, `imports ${target}, outside src/`);
        continue;
      }
      const verdict = mayImport(from, to);
      if (!verdict.ok) report(edge.line, edge.specifier, `${from} -> ${to}: ${verdict.why}`);
    }
  }
  return violations;
}

/** `src/store/x.ts:3: '../core/y.js': store -> core: store (rank 3) may not import core (rank 4)` */
export function formatViolation(v: LayerViolation): string {
  return `${v.file}:${v.line}: ${v.specifier === null ? '' : `'${v.specifier}': `}${v.reason}`;
}
