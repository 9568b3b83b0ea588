/** `hub version`: hub's version, the Node.js version it runs on, and its BLAKE3 backend. */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit } from '../render.js';
import { hubVersion } from '../version.js';

/** The `--json` shape of `hub version`. */
export interface VersionResult {
  version: string;
  node: string;
  /** Which keyed BLAKE3 runs: the native addon, or the portable hash-wasm fallback. */
  blake3: 'native' | 'wasm';
}

/** Declares `hub version`. */
export function register(program: Command): void {
  program
    .command('version')
    .description('print the version of hub, of Node.js, and the BLAKE3 backend')
    .action(
      action(async (ctx) => {
        const { blake3Backend } = await import('../../hash/blake3.js'); // hash-wasm: loaded by this command only
        const result: VersionResult = { version: hubVersion(), node: process.versions.node, blake3: blake3Backend(ctx.env) };
        emit(ctx, result, renderVersion);
      }),
    );
}

function renderVersion(r: VersionResult): string {
  return `hub ${r.version}\nnode ${r.node}\nblake3 ${r.blake3}`;
}
