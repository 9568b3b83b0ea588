// A GET to a test server on 127.0.0.1 that can go away mid-answer (send-range.test.ts, send-object.test.ts).
import { request } from 'node:http';

/**
 * GET of `path` on `port` (with `range` as its Range header when given): the body, or what arrived
 * before `stopAfter` bytes when given (the client then goes away).
 */
export function getBody(port: number, path: string, opts: { range?: string; stopAfter?: number } = {}): Promise<Buffer> {
  const { range, stopAfter } = opts;
  return new Promise((resolve, reject) => {
    const req = request({ port, path, host: '127.0.0.1', headers: range ? { range } : {} }, (res) => {
      const parts: Buffer[] = [];
      let n = 0;
      res.on('data', (b: Buffer) => {
        parts.push(b);
        n += b.length;
        if (stopAfter !== undefined && n >= stopAfter) {
          req.destroy();
          resolve(Buffer.concat(parts));
        }
      });
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', () => resolve(Buffer.concat(parts)));
    });
    req.on('error', (err) => (stopAfter === undefined ? reject(err) : undefined));
    req.end();
  });
}
