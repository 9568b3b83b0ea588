/**
 * The content work of the web pages, as tasks that run in the content worker (content-worker.ts)
 * so that reading and comparing file content never blocks the request thread: a tensor file's
 * header listing, a table's first rows, and the diff of two commits. Each task names a
 * repository by its bare directory and files by {@link FileRef}; LFS objects are checked
 * against what the repository holds before the task is sent (file pages) or through `held`
 * (diffs, which discover their files as they go).
 */
import { BareRepo } from '../git-read.js';
import { commitDiff, type WebDiff } from './commit-diff.js';
import { previewTable, previewTensors, type TablePreview, type TensorPreview } from './file-preview.js';
import { openRef, type FileRef, type StoreReader } from './web-sources.js';

/** A task for the content worker. */
export type ContentTask =
  | { type: 'tensors'; bareDir: string; ref: FileRef; name: string; format: 'safetensors' | 'gguf' }
  | { type: 'table'; bareDir: string; ref: FileRef; name: string; format: 'csv' | 'tsv' | 'jsonl' | 'parquet' }
  | { type: 'diff'; bareDir: string; a?: string; b: string; budget?: number };

/** What each task answers. */
export interface ContentResults {
  tensors: TensorPreview;
  table: TablePreview;
  diff: WebDiff;
}

/** What a task runs with: the store's reader and the repository's held-object check. */
export interface TaskContext {
  reader: StoreReader;
  held: (oids: string[]) => Promise<boolean[]>;
}

/** Runs one task (in the worker, or in-process in tests). */
export async function runContentTask(ctx: TaskContext, task: ContentTask): Promise<ContentResults[ContentTask['type']]> {
  const bare = new BareRepo(task.bareDir);
  switch (task.type) {
    case 'tensors':
      return previewTensors(openRef(task.ref, task.name, bare, ctx.reader), task.format);
    case 'table':
      return previewTable(openRef(task.ref, task.name, bare, ctx.reader), task.format);
    case 'diff':
      return commitDiff({ bare, reader: ctx.reader, held: ctx.held }, task.a, task.b, task.budget);
  }
}
