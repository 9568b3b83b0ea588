// One HTTP exchange as tests look at it: status, headers, the body as bytes and text, and as JSON
// when it is JSON. Shared by the tests that talk to hub serve directly.
import { request, type Dispatcher } from 'undici';

/** What one HTTP exchange answered. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json?: any;
}

/** Reads a whole response into an Answer. */
export async function answerOf(r: Dispatcher.ResponseData): Promise<Answer> {
  return answerFrom(r.statusCode, r.headers, Buffer.from(await r.body.arrayBuffer()));
}

/** The Answer of a status, headers and a whole body (its text, and its JSON when it is JSON). */
export function answerFrom(status: number, headers: Answer['headers'], body: Buffer): Answer {
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, body, text, json };
}

/**
 * One request to `url`, on a connection of its own (`reset`): tests block their event loop in
 * execFileSync (git, git-lfs) for seconds, and a kept-alive connection the server closed
 * meanwhile (its idle timeout is 5 s) would be reused and fail with "other side closed".
 */
export async function http(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return answerOf(await request(url, { method: (opts.method ?? 'GET') as 'GET', headers: opts.headers, body: opts.body, reset: true }));
}
