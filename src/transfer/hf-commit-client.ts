/**
 * Client of the Hugging Face write API (as `hub serve` and huggingface.co answer it, the request
 * shapes of `@huggingface/hub`'s commit): `POST /api/{models|datasets}/{id}/preupload/{rev}`
 * says which files go through LFS, `POST .../commit/{rev}` (NDJSON) makes one commit of inline
 * files and LFS pointers whose objects were uploaded beforehand through the LFS batch API. One
 * attempt each except preupload (idempotent, retried); a commit is never sent twice.
 */
import { Readable } from 'node:stream';
import { errorForBody } from './http-client.js';
import type { HfRepo } from './hf-api.js';
import { send } from './lfs-client.js';
import { isRecord, parseJsonAnswer, unexpectedAnswer } from './remote-answer.js';
import { withRetries } from './retry.js';

/** How the server wants one file uploaded. */
export type UploadMode = 'lfs' | 'regular';

/** One file of a preupload request: `sample` is its first bytes (at most 512, as HF clients send). */
export interface PreuploadFile {
  path: string;
  size: number;
  sample: Uint8Array;
}

/** One operation of a commit, as the NDJSON body carries it. */
export type CommitLine =
  | { key: 'file'; path: string; content: Uint8Array }
  | { key: 'lfsFile'; path: string; oid: string; size: number };

/** What the commit API answered. */
export interface CommitAnswer {
  commitOid: string;
  commitUrl?: string;
}

const PREUPLOAD_BATCH = 1000;

const apiBase = (r: HfRepo) => `${r.endpoint}/api/${r.type === 'dataset' ? 'datasets' : 'models'}/${r.id}`;
const auth = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/**
 * The upload mode of each of `files` (in order), asked `PREUPLOAD_BATCH` files at a time;
 * `gitAttributes` is the root `.gitattributes` the commit will hold, when it brings one (the
 * server then decides by it instead of the branch's).
 */
export async function hfPreupload(repo: HfRepo, rev: string, files: readonly PreuploadFile[], token?: string, signal?: AbortSignal, gitAttributes?: string): Promise<UploadMode[]> {
  const url = `${apiBase(repo)}/preupload/${encodeURIComponent(rev)}`;
  const expected = 'a Hugging Face preupload answer';
  const modes: UploadMode[] = [];
  for (let i = 0; i < files.length; i += PREUPLOAD_BATCH) {
    const batch = files.slice(i, i + PREUPLOAD_BATCH);
    const body = JSON.stringify({ files: batch.map((f) => ({ path: f.path, size: f.size, sample: Buffer.from(f.sample).toString('base64') })), ...(gitAttributes !== undefined ? { gitAttributes } : {}) });
    const json = await withRetries(async () => {
      const res = await send(url, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json', ...auth(token) }, body, signal });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, `uploading to ${repo.id}`, res.headers['retry-after']);
      return parseJsonAnswer(url, text, res.headers['content-type'], expected);
    }, { signal });
    const answered = isRecord(json) && Array.isArray(json.files) ? (json.files as unknown[]) : undefined;
    if (!answered) throw unexpectedAnswer(url, expected, 'JSON without a files list');
    const byPath = new Map<string, UploadMode>();
    for (const f of answered) if (isRecord(f) && typeof f.path === 'string' && (f.uploadMode === 'lfs' || f.uploadMode === 'regular')) byPath.set(f.path, f.uploadMode);
    for (const f of batch) {
      const mode = byPath.get(f.path);
      if (!mode) throw unexpectedAnswer(url, expected, `JSON without an upload mode for ${f.path}`);
      modes.push(mode);
    }
  }
  return modes;
}

/** The NDJSON lines of a commit: the header first, then the operations in order. */
async function* ndjson(summary: string, description: string, lines: AsyncIterable<CommitLine> | Iterable<CommitLine>): AsyncGenerator<string> {
  yield `${JSON.stringify({ key: 'header', value: { summary, description } })}\n`;
  for await (const op of lines) {
    const value = op.key === 'file' ? { path: op.path, content: Buffer.from(op.content).toString('base64'), encoding: 'base64' } : { path: op.path, algo: 'sha256', oid: op.oid, size: op.size };
    yield `${JSON.stringify({ key: op.key, value })}\n`;
  }
}

/**
 * Sends one commit of `lines` (read as the body streams, so inline files are held one at a time)
 * to branch `rev`; the server answers with the new commit id.
 */
export async function hfCommit(repo: HfRepo, rev: string, message: { summary: string; description?: string }, lines: AsyncIterable<CommitLine> | Iterable<CommitLine>, token?: string, signal?: AbortSignal): Promise<CommitAnswer> {
  const url = `${apiBase(repo)}/commit/${encodeURIComponent(rev)}`;
  const res = await send(url, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/x-ndjson', ...auth(token) }, body: Readable.from(ndjson(message.summary, message.description ?? '', lines)), signal });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, `committing to ${repo.id}@${rev}`, res.headers['retry-after']);
  const expected = 'a Hugging Face commit answer';
  const json = parseJsonAnswer(url, text, res.headers['content-type'], expected);
  if (!isRecord(json) || typeof json.commitOid !== 'string' || !/^[0-9a-f]{40,64}$/.test(json.commitOid)) throw unexpectedAnswer(url, expected, 'JSON without a commit id (commitOid)');
  return { commitOid: json.commitOid, ...(typeof json.commitUrl === 'string' ? { commitUrl: json.commitUrl } : {}) };
}
