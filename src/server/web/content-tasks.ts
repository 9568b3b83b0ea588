/**
 * The content work of the web pages, as tasks that run in the content worker (content-worker.ts)
 * so that reading, parsing and comparing file content never blocks the request thread: a tensor
 * file's header listing, a table's first rows, a README rendered as a model card, the diff of two
 * commits, which files of a commit have previews (to compute them when a push ends), and a
 * repository's size at a commit. Each
 * task names a repository by its bare directory and files by {@link FileRef} or blob id; LFS
 * objects are checked against what the repository holds before the task is sent (file pages)
 * or through `held` (diffs, which discover their files as they go).
 */
import { looksLikePointer } from '../../formats/lfs-pointer.js';
import { BareRepo } from '../git-read.js';
import { commitDiff, type WebDiff } from './commit-diff.js';
import { previewTable, previewTensors, type TablePreview, type TensorPreview } from './file-preview.js';
import type { GitObjects } from './git-objects.js';
import type { ContentTask } from './content-task.js';
import type { CardTag } from './markdown.js';
import { previewableFiles, type PreviewFile } from './preview-files.js';
import { repoSize, type RepoSize } from './repo-size.js';
import type { StoreReader } from './store-reader.js';
import { openRef, type FileRef } from './web-sources.js';

export type { ContentTask };

/** A model card as a task answers it: sanitised HTML as text. */
export interface CardResult {
  html: string;
  tags: CardTag[];
  frontMatterError?: string;
  /** The README is an LFS pointer (its content is not rendered). */
  pointer?: boolean;
}

/** What each task answers. */
export interface ContentResults {
  tensors: TensorPreview;
  table: TablePreview;
  card: CardResult;
  diff: WebDiff;
  previewable: PreviewFile[];
  size: RepoSize;
}

/** What a task runs with: the store's reader, the object readers of the repositories, and the repository's held-object check. */
export interface TaskContext {
  reader: StoreReader;
  objects: GitObjects;
  held: (oids: string[]) => Promise<boolean[]>;
}

/** Runs one task (in the worker, or in-process in tests). */
export async function runContentTask(ctx: TaskContext, task: ContentTask): Promise<ContentResults[ContentTask['type']]> {
  const bare = new BareRepo(task.bareDir);
  const objects = ctx.objects.of(task.bareDir);
  switch (task.type) {
    case 'tensors':
      return previewTensors(await openRef(task.ref, task.name, ctx.reader, objects), task.format);
    case 'table':
      return previewTable(await openRef(task.ref, task.name, ctx.reader, objects), task.format);
    case 'card': {
      const bytes = await objects.blobHead(task.oid, task.max);
      if (looksLikePointer(bytes)) return { html: '', tags: [], pointer: true };
      const { renderModelCard } = await import('./markdown.js'); // loaded ahead by page workers (content-worker.ts)
      const card = renderModelCard(bytes.toString('utf8'), task.links);
      return { html: card.html.text, tags: card.tags, ...(card.frontMatterError ? { frontMatterError: card.frontMatterError } : {}) };
    }
    case 'diff':
      return commitDiff({ bare, objects, reader: ctx.reader, held: ctx.held }, task.a, task.b, task.budget);
    case 'previewable':
      return previewableFiles(bare, objects, task.a, task.b);
    case 'size':
      return repoSize(bare, task.commit);
  }
}
