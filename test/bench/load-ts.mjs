// Lets a benchmark (plain node, no build step for test/) use a TypeScript helper of test/helpers:
// transpiles it with the project's own TypeScript to a sibling `.mjs` file, imports that, and
// removes it. The helper may import node built-ins only (relative imports would point at .ts).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/** The exports of the TypeScript module at `path`. */
export async function importTs(path) {
  const out = ts.transpileModule(readFileSync(path, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const js = path.replace(/\.ts$/, `.bench-${process.pid}.mjs`);
  writeFileSync(js, out);
  try {
    return await import(pathToFileURL(js).href);
  } finally {
    rmSync(js, { force: true });
  }
}
