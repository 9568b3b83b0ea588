/** `hub chunk FILE`: print a file's Xet chunk list (plumbing for tests and debugging). */
import type { Command } from 'commander';
import type { ChunkListing } from '../../core/store/chunk-file.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

/** Declares `hub chunk`. */
export function register(program: Command): void {
  program
    .command('chunk')
    .description('print the content-defined chunks of FILE (offset, length, Xet hash) and its hashes')
    .argument('<file>', 'file to chunk')
    .action(
      action(async (ctx, file: string) => {
        const { chunkFile } = await import('../../core/store/chunk-file.js');
        emit(ctx, await chunkFile(ctx, file), renderChunks);
      }),
    );
}

function renderChunks(r: ChunkListing): string {
  const lines = r.chunks.map((c) => `${String(c.offset).padStart(12)} ${String(c.length).padStart(7)} ${c.hash}`);
  lines.push(`${r.chunks.length} chunks, ${formatBytes(r.size)}`, `sha256    ${r.oid}`, `xet hash  ${r.xetHash ?? '-'}`);
  return lines.join('\n');
}
