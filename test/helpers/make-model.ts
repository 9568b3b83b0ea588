// Deterministic synthetic safetensors models from ../shared/tools/make-model.mjs.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TOOL = fileURLToPath(new URL('../../../shared/tools/make-model.mjs', import.meta.url));

/** Writes a model of `size` (e.g. '64MiB') to `out`. */
export function makeModel(out: string, size: string, seed = 1, tensors = 40): void {
  execFileSync(process.execPath, [TOOL, '--out', out, '--size', size, '--tensors', String(tensors), '--seed', String(seed)], { stdio: 'ignore' });
}

/** Writes a copy of `from` with `fraction` of its tensors rewritten. */
export function mutateModel(from: string, out: string, fraction = 0.1, seed = 2): void {
  execFileSync(process.execPath, [TOOL, '--from', from, '--out', out, '--mutate-fraction', String(fraction), '--seed', String(seed)], { stdio: 'ignore' });
}
