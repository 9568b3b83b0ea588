#!/usr/bin/env node
// Shebang shim: the CLI itself is built into dist/ by `npm run build`: tsc writes dist/cli/ and
// the rest, then bin/build-bundle.mjs bundles them into dist/bundle/ (a command then loads a few
// files instead of 150-250 modules: docs/performance.md, "Fixed costs"). The bundle is used only
// while it is newer than tsc's output, so a build with `tsc` alone runs its own, fresh code.
import { statSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const mtime = (file) => statSync(new URL(file, dist), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const entry = process.env.HUB_NO_BUNDLE !== '1' && mtime('bundle/main.js') > mtime('cli/main.js') ? '../dist/bundle/main.js' : '../dist/cli/main.js';
const { main } = await import(entry);

process.exitCode = await main(process.argv);
