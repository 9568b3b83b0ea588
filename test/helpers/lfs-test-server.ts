/**
 * A Git LFS server written to the spec for tests (docs/api/batch.md and basic-transfers.md of
 * git-lfs): `POST <any path>/objects/batch` with the `basic` transfer, `PUT`/`GET
 * <path>/objects/<oid>` and a verify action, objects on disk checked against their SHA-256 and
 * size, every request behind HTTP Basic auth with one user and password (401 with
 * `LFS-Authenticate: Basic` otherwise). Actions carry no Authorization header unless
 * `actionAuth` says so, so a client must authenticate the object requests itself, as against
 * servers that leave auth to the client. The File Locking API (docs/api/locking.md):
 * `POST <path>/locks`, `GET <path>/locks` (path, id, cursor, limit), `POST <path>/locks/verify`
 * (ours and theirs by the authenticated account) and `POST <path>/locks/:id/unlock` (`force`
 * needed for another account's lock), in memory; `other` is a second account, so that a lock can
 * be someone else's. Runs in the test process on 127.0.0.1, port 0.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { tmpDir } from './tmp-dir.js';

/** One request the server saw (never the password). */
export interface SeenRequest {
  method: string;
  path: string;
  /** `none`, `basic:<user>`, `bad` (wrong credentials) or the scheme of another header. */
  auth: string;
  status: number;
}

/** A running reference LFS server. */
export interface LfsTestServer {
  url: string;
  dir: string;
  requests: SeenRequest[];
  /** The bytes stored for `oid`, or undefined. */
  object(oid: string): Buffer | undefined;
  stop(): Promise<void>;
}

const LFS = 'application/vnd.git-lfs+json';

/** Starts the server; `user`/`password` are the one account it accepts. */
export async function startLfsTestServer(opts: { user: string; password: string; actionAuth?: boolean; other?: { user: string; password: string } }): Promise<LfsTestServer> {
  const dir = tmpDir('lfs-test-server-');
  const requests: SeenRequest[] = [];
  const basic = (a: { user: string; password: string }) => `Basic ${Buffer.from(`${a.user}:${a.password}`).toString('base64')}`;
  const expected = basic(opts);
  const accounts = new Map([[expected, opts.user], ...(opts.other ? [[basic(opts.other), opts.other.user] as [string, string]] : [])]);
  const locks: Array<{ id: string; path: string; locked_at: string; owner: { name: string }; repo: string }> = [];
  let nextLock = 1;
  const path = (oid: string) => join(dir, oid);
  let base = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const url = new URL(req.url ?? '/', base);
    const given = req.headers.authorization;
    const user = given === undefined ? undefined : accounts.get(given);
    if (user === undefined) {
      req.resume();
      res.writeHead(401, { 'content-type': LFS, 'lfs-authenticate': 'Basic realm="Git LFS"' });
      res.end(JSON.stringify({ message: 'Credentials needed' }));
      return 401;
    }
    const json = (status: number, doc: unknown) => {
      res.writeHead(status, { 'content-type': LFS });
      res.end(JSON.stringify(doc));
      return status;
    };
    const batch = /^(.*)\/objects\/batch$/.exec(url.pathname);
    if (batch && req.method === 'POST') {
      const doc = JSON.parse((await body(req)).toString('utf8')) as { operation: string; objects: Array<{ oid: string; size: number }> };
      const header = opts.actionAuth ? { header: { Authorization: expected } } : {};
      const objects = doc.objects.map(({ oid, size }) => {
        if (!/^[0-9a-f]{64}$/.test(oid)) return { oid, size, error: { code: 422, message: 'bad oid' } };
        const href = `${base}${batch[1]}/objects/${oid}`;
        const have = existsSync(path(oid));
        if (doc.operation === 'upload') return have ? { oid, size } : { oid, size, actions: { upload: { href, ...header }, verify: { href: `${href}/verify`, ...header } } };
        return have ? { oid, size, actions: { download: { href, ...header } } } : { oid, size, error: { code: 404, message: 'Object does not exist' } };
      });
      return json(200, { transfer: 'basic', objects, hash_algo: 'sha256' });
    }
    const lockRoute = /^(.*)\/locks(?:\/(verify)|\/([^/]+)\/(unlock))?$/.exec(url.pathname);
    if (lockRoute) {
      const repo = lockRoute[1];
      const mine = locks.filter((l) => l.repo === repo);
      const page = (list: typeof locks, cursor: unknown, limit: unknown) => {
        const from = Number(cursor ?? 0) || 0;
        const n = Math.max(1, Math.min(100, Number(limit ?? 100) || 100));
        return { items: list.slice(from, from + n).map(({ repo: _r, ...l }) => l), next: from + n < list.length ? String(from + n) : undefined };
      };
      if (req.method === 'GET' && !lockRoute[2] && !lockRoute[4]) {
        const q = url.searchParams;
        const found = mine.filter((l) => (!q.get('path') || l.path === q.get('path')) && (!q.get('id') || l.id === q.get('id')));
        const p = page(found, q.get('cursor'), q.get('limit'));
        return json(200, { locks: p.items, ...(p.next ? { next_cursor: p.next } : {}) });
      }
      if (req.method !== 'POST') return json(405, { message: 'method not allowed' });
      const doc = JSON.parse((await body(req)).toString('utf8') || '{}') as { path?: string; cursor?: string; limit?: number; force?: boolean };
      if (lockRoute[2]) {
        const p = page(mine, doc.cursor, doc.limit);
        return json(200, { ours: p.items.filter((l) => l.owner.name === user), theirs: p.items.filter((l) => l.owner.name !== user), ...(p.next ? { next_cursor: p.next } : {}) });
      }
      if (lockRoute[4]) {
        const i = locks.findIndex((l) => l.repo === repo && l.id === lockRoute[3]);
        if (i < 0) return json(404, { message: 'lock not found' });
        if (locks[i].owner.name !== user && !doc.force) return json(403, { message: `locked by ${locks[i].owner.name}` });
        const [{ repo: _r, ...gone }] = locks.splice(i, 1);
        return json(200, { lock: gone });
      }
      if (typeof doc.path !== 'string' || doc.path === '') return json(422, { message: 'path needed' });
      const held = mine.find((l) => l.path === doc.path);
      if (held) {
        const { repo: _r, ...lock } = held;
        return json(409, { lock, message: 'already created lock' });
      }
      const lock = { id: String(nextLock++), path: doc.path, locked_at: new Date().toISOString(), owner: { name: user }, repo };
      locks.push(lock);
      const { repo: _r, ...shown } = lock;
      return json(201, { lock: shown });
    }
    const obj = /\/objects\/([0-9a-f]{64})(\/verify)?$/.exec(url.pathname);
    if (obj && req.method === 'PUT' && !obj[2]) {
      const bytes = await body(req);
      const oid = obj[1];
      if (createHash('sha256').update(bytes).digest('hex') !== oid) return json(422, { message: 'content does not match its oid' });
      writeFileSync(`${path(oid)}.tmp`, bytes);
      renameSync(`${path(oid)}.tmp`, path(oid));
      res.writeHead(200).end();
      return 200;
    }
    if (obj && req.method === 'POST' && obj[2]) {
      const doc = JSON.parse((await body(req)).toString('utf8')) as { oid: string; size: number };
      if (!existsSync(path(obj[1])) || statSync(path(obj[1])).size !== doc.size) return json(422, { message: 'object not stored' });
      res.writeHead(200).end();
      return 200;
    }
    if (obj && req.method === 'GET' && !obj[2]) {
      if (!existsSync(path(obj[1]))) return json(404, { message: 'Object does not exist' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(statSync(path(obj[1])).size) });
      createReadStream(path(obj[1])).pipe(res);
      return 200;
    }
    req.resume();
    return json(404, { message: 'not found' });
  };

  const server: Server = createServer((req, res) => {
    const given = req.headers.authorization;
    const auth = !given ? 'none' : accounts.has(given) ? `basic:${accounts.get(given)}` : given.startsWith('Basic ') ? 'bad' : given.split(' ')[0];
    handle(req, res).then(
      (status) => requests.push({ method: req.method ?? '', path: new URL(req.url ?? '/', base).pathname, auth, status }),
      (err: Error) => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', auth, status: 500 });
        if (!res.headersSent) res.writeHead(500, { 'content-type': LFS });
        res.end(JSON.stringify({ message: err.message }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${addr.port}`;
  return {
    url: base,
    dir,
    requests,
    object: (oid) => (existsSync(path(oid)) ? readFileSync(path(oid)) : undefined),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

