// Deterministic synthetic safetensors models for tests, from the project's own generator
// (test/helpers/make-model.mjs: N(0, 0.02) weights, fine-tunes that perturb some tensors).
import { fineTuneModel, generateModel } from './make-model.mjs';

/** Writes a model of `size` (e.g. '64MiB') with `tensors` F32 tensors (or `dtype`) to `out`. */
export function makeModel(out: string, size: string, seed = 1, tensors = 40, dtype: 'F32' | 'F16' | 'BF16' | 'mixed' = 'F32'): void {
  generateModel({ out, size, seed, tensors, dtype });
}

/** Writes a fine-tune of `from` to `out`: `fraction` of its tensors perturbed (rel L2 about 0.05), the rest byte-identical. */
export function mutateModel(from: string, out: string, fraction = 0.1, seed = 2, addDrop = false): void {
  fineTuneModel({ from, out, fraction, seed, addDrop });
}
