/** `hub store add|cat`: put files into the shared store and get them back, verified. */
import { closeSync, openSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { StoreAddResult } from '../../core/store/store-add.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

/** Declares `hub store` and its subcommands. */
export function register(program: Command): void {
  const store = program.command('store').description('the shared local content store ($HUB_HOME/store)');
  store
    .command('add')
    .description('chunk, dedupe and store files; print oid, size, new and deduplicated bytes')
    .argument('<files...>', 'files to store')
    .action(
      action(async (ctx, files: string[]) => {
        const { storeAdd } = await import('../../core/store/store-add.js');
        emit(ctx, await storeAdd(ctx, files), renderAdd);
      }),
    );
  store
    .command('cat')
    .description('reassemble a stored file by oid (or Git LFS pointer file), verifying its sha256')
    .argument('<oid>', 'sha256 oid (64 hex, optionally sha256:) or a pointer file')
    .option('-o, --output <path>', 'write to PATH; it appears only when complete and verified')
    .action(
      action(async (ctx, ref: string, opts: { output?: string }) => {
        const { storeCat } = await import('../../core/store/store-cat.js');
        if (opts.output) {
          const r = await storeCat(ctx, ref, { output: opts.output });
          emit(ctx, r, (x) => `${x.oid}  ${formatBytes(x.size)}  -> ${x.output}`);
          return;
        }
        if (ctx.json) throw new UsageError('--json needs -o PATH: without it the file bytes go to stdout');
        const { writeAll } = await import('../../store/reassemble.js');
        const out = blockingStdout();
        try {
          await storeCat(ctx, ref, { sink: (bytes) => writeAll(out, bytes) });
        } finally {
          if (out !== 1) closeSync(out);
        }
      }),
    );
}

function renderAdd(r: StoreAddResult): string {
  const lines = r.files.map(
    (f) => `${f.oid}  ${f.path}  ${formatBytes(f.size)}  new ${formatBytes(f.newBytes)}  dedup ${formatBytes(f.dedupBytes)}`,
  );
  if (r.files.length > 1) lines.push(`total ${formatBytes(r.totals.size)}  new ${formatBytes(r.totals.newBytes)}  dedup ${formatBytes(r.totals.dedupBytes)}`);
  return lines.join('\n');
}

/**
 * A blocking descriptor for stdout. Node makes pipes non-blocking, so large synchronous writes
 * to fd 1 hit EAGAIN; reopening /dev/stdout gives a blocking description of the same pipe or
 * file (append mode, so a redirected file is not truncated or overwritten).
 */
export function blockingStdout(): number {
  try {
    return openSync('/dev/stdout', 'a');
  } catch {
    return 1;
  }
}
