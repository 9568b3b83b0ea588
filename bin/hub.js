#!/usr/bin/env node
// Shebang shim: the CLI itself is built into dist/ by `npm run build`.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
