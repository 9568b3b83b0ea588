/**
 * `POST /api/{models,datasets}/OWNER/NAME/preupload/REV` of the HF write API: for each file the
 * client plans to upload, whether it goes through LFS or inline. The whole answer is computed on
 * a worker thread (work-jobs.ts): the body holds up to 10,000 files with base64 samples, and each
 * path is matched against every attribute rule of the branch.
 */
import { AttributeMatcher, parseGitattributes, type AttributeSource } from '../formats/gitattributes.js';
import { attributeFilesAt, attributeText, MAX_ATTRIBUTES_BYTES } from './hf-attributes.js';
import { checkRepoPath } from './hf-commit-payload.js';
import { hfError } from './hf-access.js';
import { HttpError } from './http-util.js';
import { parseJsonBody } from './json-scan.js';

/** At this size a file is uploaded through LFS whatever its content (the HF Hub's limit for regular files). */
export const LFS_SIZE_THRESHOLD = 10 << 20;
/** The largest preupload body. */
export const PREUPLOAD_BODY_LIMIT = 16 << 20;
const PREUPLOAD_MAX_FILES = 10_000;

/**
 * How the HF Hub would have a file uploaded: empty files and `.gitattributes` files are regular;
 * otherwise LFS when the path has `filter=lfs`, when the file is at least 10 MiB, or when its
 * sample holds a NUL byte (git's test for binary content: the HF Hub keeps binaries out of git).
 */
export function uploadMode(path: string, size: number, sample: Buffer, attributes: AttributeMatcher): 'lfs' | 'regular' {
  if (size === 0 || path === '.gitattributes' || path.endsWith('/.gitattributes')) return 'regular';
  if (attributes.isLfs(path) || size >= LFS_SIZE_THRESHOLD || sample.includes(0)) return 'lfs';
  return 'regular';
}

/**
 * The preupload answer (JSON text) for `body`, against the attributes of commit `tip` of the
 * repository at `dir`; the body's `gitAttributes` (the client's planned root file) replaces the
 * root one.
 */
export async function preuploadAnswer(a: { dir: string; tip?: string; body: Uint8Array }): Promise<string> {
  const body = parseJsonBody(a.body, { maxDepth: 8, maxValues: 8 * PREUPLOAD_MAX_FILES + 100 }) as { files?: unknown; gitAttributes?: unknown } | null;
  const files = body?.files;
  if (!Array.isArray(files)) throw hfError(400, 'BadRequest', 'the preupload body needs a "files" array');
  if (files.length > PREUPLOAD_MAX_FILES) throw new HttpError(413, `too many files in one preupload request (limit ${PREUPLOAD_MAX_FILES})`);
  const override = typeof body?.gitAttributes === 'string' ? body.gitAttributes : undefined;
  if (override !== undefined && Buffer.byteLength(override) > MAX_ATTRIBUTES_BYTES) throw new HttpError(422, `gitAttributes is larger than ${MAX_ATTRIBUTES_BYTES} bytes`);
  const sources: AttributeSource[] = override === undefined ? [] : [{ base: '', rules: parseGitattributes(override) }];
  for (const f of await attributeFilesAt(a.dir, a.tip)) {
    if (f.base === '' && override !== undefined) continue;
    sources.push({ base: f.base, rules: parseGitattributes(await attributeText(a.dir, f)) });
  }
  const attributes = new AttributeMatcher(sources);
  const answer = files.map((f: { path?: unknown; size?: unknown; sample?: unknown } | null, i) => {
    const path = checkRepoPath(f?.path, `files[${i}].path`);
    const size = f?.size;
    if (!Number.isSafeInteger(size) || (size as number) < 0) throw hfError(400, 'BadRequest', `files[${i}] (${path}): "size" must be a non-negative integer`);
    const sample = typeof f?.sample === 'string' ? Buffer.from(f.sample.slice(0, 4096), 'base64') : Buffer.alloc(0);
    return { path, uploadMode: uploadMode(path, size as number, sample, attributes), shouldIgnore: false };
  });
  return JSON.stringify({ files: answer });
}
