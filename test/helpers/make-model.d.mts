// Types of make-model.mjs (the generator is plain JavaScript so that benchmarks and the demo run it with node).
export interface GenerateOptions { out: string; size?: string | number; tensors?: number; seed?: number | string; dtype?: 'F32' | 'F16' | 'BF16' | 'mixed' }
export interface FineTuneOptions { from: string; out: string; fraction?: number; seed?: number | string; scale?: number; addDrop?: boolean }
/** Writes a synthetic safetensors model; returns a summary. */
export function generateModel(opts: GenerateOptions): { bytes: number; tensors: number; header_bytes: number };
/** Writes a fine-tune of a model; returns a summary. */
export function fineTuneModel(opts: FineTuneOptions): { bytes: number; tensors: number; perturbed: string[]; perturbed_bytes: number; dropped: string[]; added: string[] };
/** Parses '512MiB' and the like into bytes. */
export function parseSize(text: string): number;
