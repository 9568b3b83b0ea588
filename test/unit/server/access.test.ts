import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, identify, wwwAuthenticate, type Action, type Identity } from '../../../src/server/access.js';
import { SqliteMetadata, type RepoRecord } from '../../../src/server/metadata.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const bearer = (token: string): string => `Bearer ${token}`;
const basic = (user: string, token: string): string => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

let meta: SqliteMetadata;
/** Authorization header of each identity of the matrix. */
const headers: Record<string, string | undefined> = {};
const repos: Record<string, RepoRecord | undefined> = {};

beforeAll(async () => {
  meta = SqliteMetadata.open(join(tmpDir(), 'meta.sqlite'));
  for (const name of ['acme', 'reader', 'writer', 'stranger']) await meta.ensureUser(name);
  await meta.ensureUser('root', { admin: true });
  repos.public = await meta.createRepo({ type: 'model', owner: 'acme', name: 'open-weights', private: false });
  repos.private = await meta.createRepo({ type: 'dataset', owner: 'acme', name: 'secret-weights', private: true });
  repos.missing = undefined;
  for (const repo of [repos.public!, repos.private!]) {
    await meta.addMember(repo.id, 'reader', false);
    await meta.addMember(repo.id, 'writer', true);
  }
  const token = async (user: string, write: boolean): Promise<string> => (await meta.createToken(user, { write })).token;
  headers['anonymous'] = undefined;
  headers['read token of a member'] = bearer(await token('reader', false));
  headers['write token of the owner'] = basic('git', await token('acme', true));
  headers['read token of the owner'] = bearer(await token('acme', false));
  headers['write token of a write member'] = basic('writer', await token('writer', true));
  headers['write token of a read member'] = bearer(await token('reader', true));
  headers['write token of another user'] = bearer(await token('stranger', true));
  headers['read token of another user'] = basic('stranger', await token('stranger', false));
  headers['admin token'] = bearer(await token('root', true));
  headers['read-only admin token'] = bearer(await token('root', false));
  headers['wrong token'] = bearer('hub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
});

afterAll(async () => await meta.close());

type Cell = 'ok' | 401 | 403 | 404;
/** identity -> [public read, public write, private read, private write, missing read, missing write] */
const MATRIX: Record<string, Cell[]> = {
  'anonymous': ['ok', 401, 401, 401, 401, 401],
  'read token of a member': ['ok', 403, 'ok', 403, 404, 404],
  'write token of the owner': ['ok', 'ok', 'ok', 'ok', 404, 404],
  'read token of the owner': ['ok', 403, 'ok', 403, 404, 404],
  'write token of a write member': ['ok', 'ok', 'ok', 'ok', 404, 404],
  'write token of a read member': ['ok', 403, 'ok', 403, 404, 404],
  'write token of another user': ['ok', 403, 404, 404, 404, 404],
  'read token of another user': ['ok', 403, 404, 404, 404, 404],
  'admin token': ['ok', 'ok', 'ok', 'ok', 404, 404],
  'read-only admin token': ['ok', 403, 'ok', 403, 404, 404],
  'wrong token': [401, 401, 401, 401, 401, 401],
};
const COLUMNS: Array<[string, Action]> = [
  ['public', 'read'],
  ['public', 'write'],
  ['private', 'read'],
  ['private', 'write'],
  ['missing', 'read'],
  ['missing', 'write'],
];

describe('authorize: the access-control matrix of issue 4', () => {
  it('gives every identity x repository x action its status', async () => {
    const wrong: string[] = [];
    for (const [who, row] of Object.entries(MATRIX)) {
      const id = await identify(meta, headers[who]);
      for (const [i, [repo, action]] of COLUMNS.entries()) {
        const d = await authorize(meta, id, repos[repo], action);
        const got: Cell = d.ok ? 'ok' : d.status;
        if (got !== row[i]) wrong.push(`${who} x ${repo} repo x ${action}: expected ${row[i]}, got ${got}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(Object.keys(MATRIX).sort()).toEqual(Object.keys(headers).sort());
  });

  it('explains each denial without naming the repository', async () => {
    const messages = new Set<string>();
    for (const who of Object.keys(MATRIX)) {
      const id = await identify(meta, headers[who]);
      for (const [repo, action] of COLUMNS) {
        const d = await authorize(meta, id, repos[repo], action);
        if (d.ok) continue;
        const expected =
          d.status === 404 ? ['repository not found']
          : d.status === 401 ? [who === 'wrong token' ? 'invalid token' : 'authentication required']
          : ['token is read-only', 'write access denied'];
        expect(expected, `${who} x ${repo} x ${action}`).toContain(d.message);
        expect(d.message).not.toMatch(/weights|acme/);
        messages.add(`${d.status} ${d.message}`);
      }
    }
    expect([...messages].sort()).toEqual(['401 authentication required', '401 invalid token', '403 token is read-only', '403 write access denied', '404 repository not found']);
  });

  it('follows visibility changes', async () => {
    const repo = await meta.createRepo({ type: 'model', owner: 'acme', name: 'flip', private: false });
    const stranger = await identify(meta, headers['write token of another user']);
    expect(await authorize(meta, stranger, repo, 'read')).toEqual({ ok: true });
    await meta.setPrivate(repo.id, true);
    const hidden = await meta.getRepo('model', 'acme', 'flip');
    expect(await authorize(meta, stranger, hidden, 'read')).toMatchObject({ ok: false, status: 404 });
    await meta.addMember(repo.id, 'stranger', true);
    expect(await authorize(meta, stranger, hidden, 'write')).toEqual({ ok: true });
  });
});

describe('identify', () => {
  it('is anonymous without credentials', async () => {
    expect(await identify(meta, undefined)).toEqual({ write: false, invalidToken: false });
    expect(await identify(meta, '')).toEqual({ write: false, invalidToken: false });
  });

  it('reads Bearer and Basic (password = token, user name ignored), schemes in any case', async () => {
    const { token, id } = await meta.createToken('writer', { write: true });
    const writer = await meta.getUser('writer');
    const expected: Identity = { user: writer, write: true, invalidToken: false, tokenId: id };
    expect(await identify(meta, `Bearer ${token}`)).toEqual(expected);
    expect(await identify(meta, `bearer  ${token} `)).toEqual(expected);
    expect(await identify(meta, basic('anyone', token))).toEqual(expected);
    expect(await identify(meta, basic('', token))).toEqual(expected);
    expect(await identify(meta, `BASIC ${Buffer.from(`x:${token}`).toString('base64')}`)).toEqual(expected);
    const ro = await meta.createToken('reader', { write: false });
    expect(await identify(meta, basic('reader', ro.token))).toEqual({ user: await meta.getUser('reader'), write: false, invalidToken: false, tokenId: ro.id });
  });

  it('marks anything else as an invalid token', async () => {
    const { token } = await meta.createToken('writer', { write: true });
    const invalid = { write: false, invalidToken: true };
    for (const header of [
      'Bearer',
      'Bearer hub_nope',
      `Bearer ${token}x`,
      `Token ${token}`,
      `Bearer ${token} extra`,
      basic(token, ''),
      `Basic ${Buffer.from(token).toString('base64')}`,
      'Basic !!!',
    ]) {
      expect(await identify(meta, header), header).toEqual(invalid);
    }
  });
});

describe('wwwAuthenticate', () => {
  it('offers Basic and Bearer', async () => {
    expect(wwwAuthenticate()).toBe('Basic realm="hub", Bearer realm="hub"');
    expect(wwwAuthenticate('my "hub"')).toBe('Basic realm="my \\"hub\\"", Bearer realm="my \\"hub\\""');
  });
});
