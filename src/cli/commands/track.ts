/** `hub track [PATTERN...]` and `hub untrack PATTERN...`: which paths are stored as large files. */
import type { Command } from 'commander';
import type { TrackResult } from '../../core/worktree/init-track.js';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub track` and `hub untrack`. */
export function register(program: Command): void {
  program
    .command('track')
    .description('store paths matching PATTERN as large files (.gitattributes filter=lfs); list patterns without one')
    .argument('[patterns...]', 'glob patterns, e.g. "*.safetensors"')
    .action(
      action(async (ctx, patterns: string[]) => {
        const { track } = await import('../../core/worktree/init-track.js');
        emit(ctx, await track(ctx, patterns), (r) => render(r, patterns.length > 0));
      }),
    );
  program
    .command('untrack')
    .description('stop storing paths matching PATTERN as large files')
    .argument('<patterns...>', 'patterns as listed by hub track')
    .action(
      action(async (ctx, patterns: string[]) => {
        const { untrack } = await import('../../core/worktree/init-track.js');
        emit(ctx, await untrack(ctx, patterns), (r) => (r.removed ?? []).map((p) => `Untracking "${p}"`).join('\n'));
      }),
    );
}

function render(r: TrackResult, changed: boolean): string {
  if (changed) return (r.added ?? []).map((p) => `Tracking "${p}"`).join('\n') || 'already tracked';
  return r.patterns.length ? ['Listing tracked patterns', ...r.patterns.map((p) => `    ${p}`)].join('\n') : 'no tracked patterns';
}
