/**
 * The locks client against a minimal third-party Git LFS locking server written here from the
 * spec (docs/api/locking.md of git-lfs), not hub serve: its own cursor format, pages of one,
 * locks without an owner, a bare 409, and 404/501 on verify. hub's client must work with any
 * server that implements the API.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLock, listLocks, unlockLock, verifyLocks } from '../../../src/transfer/lfs-locks-client.js';

interface Lock {
  id: string;
  path: string;
  locked_at: string;
  owner?: { name: string };
}

describe('the Git LFS locks client against another server', () => {
  let server: Server;
  let base: string;
  const locks: Lock[] = [];
  const seen: Array<{ method: string; url: string; auth?: string; type?: string; body: string }> = [];
  let verifyStatus = 200;

  const body = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (b: Buffer) => (text += b));
    req.on('end', () => resolve(text));
  });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const text = await body(req);
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, type: req.headers['content-type'], body: text });
      const send = (status: number, doc?: unknown) => {
        res.writeHead(status, doc === undefined ? {} : { 'content-type': 'application/vnd.git-lfs+json; charset=utf-8' });
        res.end(doc === undefined ? '' : JSON.stringify(doc));
      };
      const url = new URL(req.url!, 'http://x');
      const path = url.pathname.replace(/^\/repo\/info\/lfs/, '');
      if (req.method === 'POST' && path === '/locks') {
        const want = JSON.parse(text) as { path: string };
        if (locks.some((l) => l.path === want.path)) return send(409); // a bare conflict: no body at all
        const lock: Lock = { id: `L${locks.length + 1}`, path: want.path, locked_at: '2026-12-04T10:00:00+01:00' };
        locks.push(lock);
        return send(201, { lock });
      }
      if (req.method === 'GET' && path === '/locks') {
        // pages of one; the cursor is an index, this server's own format
        const matching = locks.filter((l) => (!url.searchParams.get('path') || l.path === url.searchParams.get('path')) && (!url.searchParams.get('id') || l.id === url.searchParams.get('id')));
        const at = Number(url.searchParams.get('cursor') ?? 0);
        return send(200, { locks: matching.slice(at, at + 1), ...(at + 1 < matching.length ? { next_cursor: String(at + 1) } : {}) });
      }
      if (req.method === 'POST' && path === '/locks/verify') {
        if (verifyStatus !== 200) return send(verifyStatus, { message: 'no locking here' });
        const at = Number((JSON.parse(text) as { cursor?: string }).cursor ?? 0);
        const lock = locks[at];
        return send(200, { ours: lock && at % 2 === 0 ? [lock] : [], theirs: lock && at % 2 === 1 ? [lock] : [], ...(at + 1 < locks.length ? { next_cursor: String(at + 1) } : {}) });
      }
      const m = /^\/locks\/([^/]+)\/unlock$/.exec(path);
      if (req.method === 'POST' && m) {
        const i = locks.findIndex((l) => l.id === decodeURIComponent(m[1]));
        if (i < 0) return send(404, { message: 'Not found' });
        if (!(JSON.parse(text) as { force?: boolean }).force && locks[i].owner) return send(403, { message: 'not your lock' });
        return send(200, { lock: locks.splice(i, 1)[0] });
      }
      send(404, { message: 'Not found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo/info/lfs`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('creates, lists every page, verifies every page, and unlocks', async () => {
    const a = await createLock(base, 'a.bin', { token: 'T', ref: 'refs/heads/main' });
    expect(a).toEqual({ id: 'L1', path: 'a.bin', lockedAt: '2026-12-04T10:00:00+01:00' });
    expect(seen.at(-1)).toMatchObject({ auth: 'Bearer T', type: 'application/vnd.git-lfs+json', body: JSON.stringify({ path: 'a.bin', ref: { name: 'refs/heads/main' } }) });
    await createLock(base, 'b.bin');
    locks.push({ id: 'L3', path: 'c.bin', locked_at: '2026-12-04T10:00:00Z', owner: { name: 'zoe' } });
    expect((await listLocks(base)).map((l) => l.path)).toEqual(['a.bin', 'b.bin', 'c.bin']);
    expect((await listLocks(base, { limit: 2 })).map((l) => l.path)).toEqual(['a.bin', 'b.bin']);
    expect(await listLocks(base, { path: 'c.bin' })).toEqual([{ id: 'L3', path: 'c.bin', owner: 'zoe', lockedAt: '2026-12-04T10:00:00Z' }]);
    expect(seen.at(-1)!.url).toBe('/repo/info/lfs/locks?path=c.bin');
    const v = await verifyLocks(base, { ref: 'refs/heads/main' });
    expect(v).toEqual({ supported: true, ours: [expect.objectContaining({ id: 'L1' }), expect.objectContaining({ id: 'L3' })], theirs: [expect.objectContaining({ id: 'L2' })] });
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ cursor: '2', ref: { name: 'refs/heads/main' } });
    expect(await unlockLock(base, 'L2', false)).toMatchObject({ id: 'L2', path: 'b.bin' });
    await expect(unlockLock(base, 'L3', false)).rejects.toMatchObject({ code: 'forbidden', exitCode: 4, message: expect.stringContaining('not your lock') });
    expect(await unlockLock(base, 'L3', true)).toMatchObject({ id: 'L3', owner: 'zoe' });
    await expect(unlockLock(base, 'nope', true)).rejects.toMatchObject({ exitCode: 3 });
  });

  it('a 409 without a body is still lock_exists (exit 7); 404 and 501 on verify mean no locking', async () => {
    await expect(createLock(base, 'a.bin')).rejects.toMatchObject({ code: 'lock_exists', exitCode: 7, message: 'a.bin is already locked' });
    for (const status of [404, 501]) {
      verifyStatus = status;
      expect(await verifyLocks(base)).toEqual({ supported: false, status });
    }
    verifyStatus = 500;
    await expect(verifyLocks(base)).rejects.toMatchObject({ exitCode: 6 });
    verifyStatus = 200;
  });
});
