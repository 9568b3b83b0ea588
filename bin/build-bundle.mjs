#!/usr/bin/env node
// Bundles the built CLI (dist/cli/main.js, written by tsc) into dist/bundle/ with esbuild, so a
// command loads a handful of files instead of 150-250 modules (docs/performance.md, "Fixed
// costs"). Run by `npm run build` after tsc; bin/hub.js uses the bundle only while it is newer
// than dist/cli/main.js, so a build with tsc alone is never shadowed by an old bundle.
//
// Code splitting keeps every command's lazy `import()` lazy. The workers are entries of their
// own, written beside the chunks under the file names the code looks for (`new URL(
// './work-worker.js', import.meta.url)` from any chunk of dist/bundle/). The pre-receive hook is
// not bundled: bare repositories keep the hook path written when they were created, so it points
// at tsc's dist/server/pre-receive-hook.js, which every build rewrites (server/bare-repos.ts). And
// dist/bundle/ sits two levels below the package root as dist/cli/ does (version.ts reads
// ../../package.json). Packages with native code or only used by the server's optional backends
// stay external: they are loaded from node_modules as before.
import { build } from 'esbuild';
import { rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist`;
const out = `${dist}/bundle`;

/** entry name (its file under dist/bundle/) -> the tsc output it starts from. */
const entries = {
  main: `${dist}/cli/main.js`,
  'work-worker': `${dist}/server/work-worker.js`,
  'content-worker': `${dist}/server/web/content-worker.js`,
  'lstat-worker': `${dist}/repo/lstat-worker.js`,
  'sha256-file-worker': `${dist}/store/sha256-file-worker.js`,
  'sha256-pieces-worker': `${dist}/store/sha256-pieces-worker.js`,
  'launcher-process': `${dist}/server/launcher-process.js`, // the server's process starter (server/launcher.ts)
};
for (const file of Object.values(entries)) statSync(file); // a renamed worker fails the build, not a command

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // maps back through tsc's own maps to src/ (for `node --enable-source-maps` stack traces)
  sourcemap: 'linked',
  // native addons (found through createRequire/bindings from node_modules) and the server's
  // optional backends (large, loaded only by `hub serve` with them configured)
  external: ['better-sqlite3', '@napi-rs/*', 'pg', 'pg-*', '@aws-sdk/*'],
  // CommonJS packages bundled into ESM call require() for node's built-ins
  banner: { js: "import { createRequire as __hubCreateRequire } from 'node:module'; const require = __hubCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

