/** `hub version`: hub's version and the Node.js version it runs on. */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit } from '../render.js';
import { hubVersion } from '../version.js';

/** The `--json` shape of `hub version`. */
export interface VersionResult {
  version: string;
  node: string;
}

/** Declares `hub version`. */
export function register(program: Command): void {
  program
    .command('version')
    .description('print the version of hub and of Node.js')
    .action(
      action(async (ctx) => {
        const result: VersionResult = { version: hubVersion(), node: process.versions.node };
        emit(ctx, result, renderVersion);
      }),
    );
}

function renderVersion(r: VersionResult): string {
  return `hub ${r.version}\nnode ${r.node}`;
}
