/** The work a content worker does for a page or ahead of one (content-tasks.ts runs it). */
import type { CardLinks } from './markdown.js';
import type { FileRef } from './web-sources.js';

/** A task for the content worker. */
export type ContentTask =
  | { type: 'tensors'; bareDir: string; ref: FileRef; name: string; format: 'safetensors' | 'gguf' }
  | { type: 'table'; bareDir: string; ref: FileRef; name: string; format: 'csv' | 'tsv' | 'jsonl' | 'parquet' }
  | { type: 'card'; bareDir: string; oid: string; max: number; links: CardLinks }
  | { type: 'diff'; bareDir: string; a?: string; b: string; budget?: number }
  | { type: 'previewable'; bareDir: string; a?: string; b: string }
  | { type: 'size'; bareDir: string; commit: string };
