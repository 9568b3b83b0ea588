import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConflictError, IntegrityError, NotFoundError, UsageError } from '../../../src/errors.js';
import { sha256Hex } from '../../../src/hash/sha256.js';
import { SqliteMetadata } from '../../../src/server/metadata.js';
import { repoRoot } from '../../helpers/paths.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

function open(dir = tmpDir(), now?: () => number): { meta: SqliteMetadata; path: string } {
  const path = join(dir, 'meta.sqlite');
  const meta = SqliteMetadata.open(path, { now });
  return { meta, path };
}

function oid(n: number): string {
  return sha256Hex(Buffer.from(`object ${n}`));
}

/** Runs `fn` and returns the HubError it throws or rejects with (fails when it does neither). */
async function thrown(fn: () => unknown): Promise<{ code: string; exitCode: number; constructor: unknown }> {
  try {
    await fn();
  } catch (err) {
    return err as { code: string; exitCode: number; constructor: unknown };
  }
  throw new Error('expected an error');
}

describe('SqliteMetadata users', () => {
  it('creates a user once, finds it in any case and keeps the stored spelling', async () => {
    const { meta } = open();
    const alice = await meta.ensureUser('Alice');
    expect(alice).toEqual({ id: expect.any(Number), name: 'Alice', admin: false });
    expect(await meta.ensureUser('alice')).toEqual(alice);
    expect(await meta.getUser('ALICE')).toEqual(alice);
    expect(await meta.getUser('bob')).toBeUndefined();
    expect(await meta.getUser('../etc')).toBeUndefined();
    await meta.close();
  });

  it('sets the admin flag only when asked', async () => {
    const { meta } = open();
    expect((await meta.ensureUser('root', { admin: true })).admin).toBe(true);
    expect((await meta.ensureUser('root')).admin).toBe(true);
    expect((await meta.ensureUser('root', { admin: false })).admin).toBe(false);
    expect((await meta.getUser('root'))!.admin).toBe(false);
    await meta.close();
  });

  it('rejects bad names with UsageError bad_name', async () => {
    const { meta } = open();
    for (const name of ['', '-x', '.x', '_x', 'a/b', 'a b', 'é', 'a'.repeat(97), '..']) {
      const err = await thrown(async () => await meta.ensureUser(name));
      expect(err, name).toBeInstanceOf(UsageError);
      expect([err.code, err.exitCode], name).toEqual(['bad_name', 2]);
    }
    expect((await meta.ensureUser('a'.repeat(96))).name).toHaveLength(96);
    expect((await meta.ensureUser('a0._-Z')).name).toBe('a0._-Z');
    await meta.close();
  });
});

describe('SqliteMetadata tokens', () => {
  it('creates hub_ tokens that resolve to their user and grant', async () => {
    const { meta } = open();
    const alice = await meta.ensureUser('alice');
    const w = await meta.createToken('alice', { write: true, label: 'laptop' });
    const r = await meta.createToken('ALICE', { write: false });
    expect(w.token).toMatch(/^hf_[A-Za-z0-9_-]{43}$/);
    expect(w.token).not.toBe(r.token);
    expect(await meta.resolveToken(w.token)).toEqual({ user: alice, write: true, tokenId: w.id });
    expect(await meta.resolveToken(r.token)).toEqual({ user: alice, write: false, tokenId: r.id });
    expect(await meta.resolveToken(w.token.slice(0, -1))).toBeUndefined();
    expect(await meta.resolveToken('')).toBeUndefined();
    expect(await meta.resolveToken('x'.repeat(100_000))).toBeUndefined();
    expect(await meta.countTokens()).toBe(2);
    await meta.close();
  });

  it('refuses tokens for unknown users and bad labels', async () => {
    const { meta } = open();
    const err = await thrown(async () => await meta.createToken('nobody', { write: true }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('user_not_found');
    await meta.ensureUser('alice');
    expect((await thrown(async () => await meta.createToken('alice', { write: true, label: 'a\nb' }))).code).toBe('bad_label');
    expect(await meta.countTokens()).toBe(0);
    await meta.close();
  });

  it('revokes a token for good', async () => {
    const { meta } = open();
    await meta.ensureUser('alice');
    const a = await meta.createToken('alice', { write: true });
    const b = await meta.createToken('alice', { write: true });
    await meta.revokeToken(a.id);
    expect(await meta.resolveToken(a.token)).toBeUndefined();
    expect((await meta.resolveToken(b.token))?.tokenId).toBe(b.id);
    expect(await meta.countTokens()).toBe(1);
    const err = await thrown(async () => await meta.revokeToken(a.id));
    expect([err.constructor, err.code]).toEqual([NotFoundError, 'token_not_found']);
    await meta.close();
  });

  it('survive reopening the database', async () => {
    const dir = tmpDir();
    const first = open(dir);
    await first.meta.ensureUser('root', { admin: true });
    const t = await first.meta.createToken('root', { write: true });
    await first.meta.close();
    const second = open(dir);
    expect(await second.meta.countTokens()).toBe(1);
    expect(await second.meta.resolveToken(t.token)).toEqual({ user: { id: expect.any(Number), name: 'root', admin: true }, write: true, tokenId: t.id });
    await second.meta.close();
  });

  it('never writes the plaintext to the database files, only its SHA-256', async () => {
    const dir = tmpDir();
    const { meta } = open(dir);
    await meta.ensureUser('alice');
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) tokens.push((await meta.createToken('alice', { write: i % 2 === 0, label: `label-${i}` })).token);
    const bytes = (): Buffer => Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
    const check = (): void => {
      const all = bytes();
      for (const token of tokens) {
        expect(all.includes(token), 'plaintext token in the database').toBe(false);
        expect(all.includes(token.slice(4)), 'token secret in the database').toBe(false);
        expect(all.includes(Buffer.from(token.slice(4), 'base64url')), 'raw token bytes in the database').toBe(false);
        // the search can find what is there: the hash is stored
        expect(all.includes(sha256Hex(Buffer.from(token))), 'token hash').toBe(true);
      }
    };
    check(); // while open: the rows are in the WAL
    await meta.close();
    check(); // after the checkpoint: the rows are in the main file
  });
});

describe('SqliteMetadata repositories', () => {
  it('creates, finds, lists, hides and deletes repositories', async () => {
    let t = 1_700_000_000_000;
    const { meta } = open(undefined, () => t++);
    await meta.ensureUser('acme');
    const model = await meta.createRepo({ type: 'model', owner: 'acme', name: 'Llama-7b', private: false });
    expect(model).toEqual({ id: expect.any(Number), type: 'model', owner: 'acme', name: 'Llama-7b', private: false, createdAt: 1_700_000_000_000 });
    // the same name as a dataset is another repository
    const data = await meta.createRepo({ type: 'dataset', owner: 'ACME', name: 'llama-7b', private: true });
    expect(data).toMatchObject({ type: 'dataset', owner: 'acme', name: 'llama-7b', private: true });
    expect(await meta.getRepo('model', 'Acme', 'LLAMA-7B')).toEqual(model);
    expect(await meta.getRepo('dataset', 'acme', 'llama-7b')).toEqual(data);
    expect(await meta.getRepo('model', 'acme', 'other')).toBeUndefined();
    expect(await meta.getRepo('model', 'acme', '../x')).toBeUndefined();
    expect(await meta.listRepos()).toEqual([data, model]);
    await meta.setPrivate(model.id, true);
    expect((await meta.getRepo('model', 'acme', 'Llama-7b'))!.private).toBe(true);
    await meta.deleteRepo(model.id);
    expect(await meta.getRepo('model', 'acme', 'Llama-7b')).toBeUndefined();
    expect(await meta.listRepos()).toEqual([data]);
    for (const fn of [async () => await meta.setPrivate(model.id, false), async () => await meta.deleteRepo(model.id)]) {
      const err = await thrown(fn);
      expect([err.constructor, err.code, err.exitCode]).toEqual([NotFoundError, 'repo_not_found', 3]);
    }
    await meta.close();
  });

  it('refuses a taken name (in any case), an unknown owner and bad names', async () => {
    const { meta } = open();
    await meta.ensureUser('acme');
    await meta.createRepo({ type: 'model', owner: 'acme', name: 'm', private: false });
    const taken = await thrown(async () => await meta.createRepo({ type: 'model', owner: 'Acme', name: 'M', private: true }));
    expect([taken.constructor, taken.code, taken.exitCode]).toEqual([ConflictError, 'repo_exists', 7]);
    const owner = await thrown(async () => await meta.createRepo({ type: 'model', owner: 'ghost', name: 'm', private: false }));
    expect([owner.constructor, owner.code]).toEqual([NotFoundError, 'user_not_found']);
    expect(await meta.getUser('ghost')).toBeUndefined();
    for (const name of ['', 'a/b', '.hidden', 'x.git', 'x.GIT']) {
      expect((await thrown(async () => await meta.createRepo({ type: 'model', owner: 'acme', name, private: false }))).code, name).toBe('bad_name');
    }
    expect((await thrown(async () => await meta.createRepo({ type: 'space' as 'model', owner: 'acme', name: 'm2', private: false }))).code).toBe('bad_repo_type');
    expect(await meta.listRepos()).toHaveLength(1);
    await meta.close();
  });
});

describe('SqliteMetadata members', () => {
  it('counts the owner as a write member and records others', async () => {
    const { meta } = open();
    const owner = await meta.ensureUser('acme');
    const bob = await meta.ensureUser('bob');
    const eve = await meta.ensureUser('eve');
    const repo = await meta.createRepo({ type: 'model', owner: 'acme', name: 'm', private: true });
    expect(await meta.membership(repo.id, owner.id)).toEqual({ write: true });
    expect(await meta.membership(repo.id, bob.id)).toBeUndefined();
    await meta.addMember(repo.id, 'bob', false);
    expect(await meta.membership(repo.id, bob.id)).toEqual({ write: false });
    await meta.addMember(repo.id, 'Bob', true);
    expect(await meta.membership(repo.id, bob.id)).toEqual({ write: true });
    expect(await meta.membership(repo.id, eve.id)).toBeUndefined();
    expect(await meta.membership(repo.id + 1000, owner.id)).toBeUndefined();
    expect((await thrown(async () => await meta.addMember(repo.id, 'ghost', true))).code).toBe('user_not_found');
    expect((await thrown(async () => await meta.addMember(repo.id + 1000, 'bob', true))).code).toBe('repo_not_found');
    await meta.close();
  });
});

describe('SqliteMetadata objects', () => {
  it('records which repository holds which oid', async () => {
    const { meta } = open();
    await meta.ensureUser('acme');
    const a = await meta.createRepo({ type: 'model', owner: 'acme', name: 'a', private: false });
    const b = await meta.createRepo({ type: 'model', owner: 'acme', name: 'b', private: false });
    await meta.addObject(a.id, oid(2), 20);
    await meta.addObject(a.id, oid(1), 10);
    await meta.addObject(a.id, oid(1), 10); // idempotent
    await meta.addObject(b.id, oid(1), 10);
    expect(await meta.hasObject(a.id, oid(1))).toBe(true);
    expect(await meta.hasObject(b.id, oid(2))).toBe(false);
    expect(await meta.objectSize(a.id, oid(2))).toBe(20);
    expect(await meta.objectSize(b.id, oid(2))).toBeUndefined();
    expect(await meta.listObjects(a.id)).toEqual([{ oid: oid(1), size: 10 }, { oid: oid(2), size: 20 }].sort((x, y) => (x.oid < y.oid ? -1 : 1)));
    expect(await meta.listObjects(b.id)).toEqual([{ oid: oid(1), size: 10 }]);
    await meta.close();
  });

  it('refuses a bad oid or size, an unknown repository and a second size for one oid', async () => {
    const { meta } = open();
    await meta.ensureUser('acme');
    const repo = await meta.createRepo({ type: 'model', owner: 'acme', name: 'a', private: false });
    expect((await thrown(async () => await meta.addObject(repo.id, oid(1).toUpperCase(), 1))).code).toBe('bad_oid');
    expect((await thrown(async () => await meta.addObject(repo.id, 'sha256:' + oid(1), 1))).code).toBe('bad_oid');
    expect((await thrown(async () => await meta.addObject(repo.id, oid(1), -1))).code).toBe('bad_size');
    expect((await thrown(async () => await meta.addObject(repo.id, oid(1), 1.5))).code).toBe('bad_size');
    expect((await thrown(async () => await meta.addObject(repo.id + 1000, oid(1), 1))).code).toBe('repo_not_found');
    await meta.addObject(repo.id, oid(1), 1);
    const err = await thrown(async () => await meta.addObject(repo.id, oid(1), 2));
    expect([err.constructor, err.code]).toEqual([IntegrityError, 'size_mismatch']);
    expect(await meta.listObjects(repo.id)).toEqual([{ oid: oid(1), size: 1 }]);
    await meta.close();
  });

  it('forgets the objects and members of a deleted repository', async () => {
    const { meta } = open();
    await meta.ensureUser('acme');
    const bob = await meta.ensureUser('bob');
    const first = await meta.createRepo({ type: 'model', owner: 'acme', name: 'a', private: true });
    await meta.addMember(first.id, 'bob', true);
    await meta.addObject(first.id, oid(1), 1);
    await meta.deleteRepo(first.id);
    const again = await meta.createRepo({ type: 'model', owner: 'acme', name: 'a', private: true });
    expect(await meta.listObjects(first.id)).toEqual([]);
    expect(await meta.listObjects(again.id)).toEqual([]);
    expect(await meta.membership(again.id, bob.id)).toBeUndefined();
    await meta.close();
  });
});

/** A Node ESM loader that runs src/*.ts by transpiling it with the project's TypeScript. */
function writeTsLoader(dir: string): string {
  const ts = pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href;
  const path = join(dir, 'ts-loader.mjs');
  writeFileSync(
    path,
    `import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from ${JSON.stringify(ts)};
export async function resolve(specifier, context, next) {
  if (/^\\.\\.?\\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const out = ts.transpileModule(readFileSync(fileName, 'utf8'), {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
`,
  );
  return pathToFileURL(path).href;
}

/** A child process that writes to the metadata file in a loop; prints its tallies as JSON. */
const WRITER = `
import { register } from 'node:module';
const [loader, module, db, tag, rounds] = process.argv.slice(2);
register(loader);
const { SqliteMetadata } = await import(module);
const meta = SqliteMetadata.open(db);
const tally = { created: 0, conflicts: 0 };
for (let i = 0; i < Number(rounds); i++) {
  await meta.ensureUser('shared');
  const user = await meta.ensureUser(tag + '-' + i, { admin: i % 2 === 0 });
  const repo = await meta.createRepo({ type: 'model', owner: user.name, name: 'r', private: i % 2 === 0 });
  await meta.addMember(repo.id, 'shared', i % 3 === 0);
  await meta.addObject(repo.id, (tag + i).padEnd(64, '0').replace(/[^0-9a-f]/g, 'a'), i);
  await meta.createToken('shared', { write: true });
  try {
    await meta.createRepo({ type: 'dataset', owner: 'shared', name: 'race-' + (i % 5), private: false });
    tally.created++;
  } catch (err) {
    if (err.code !== 'repo_exists') throw err;
    tally.conflicts++;
  }
}
await meta.close();
process.stdout.write(JSON.stringify(tally));
`;

function runWriter(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('SqliteMetadata concurrency', () => {
  it('lets two instances on one file both write and see each other', async () => {
    const dir = tmpDir();
    const a = open(dir).meta;
    const b = open(dir).meta;
    await a.ensureUser('acme');
    const repo = await b.createRepo({ type: 'model', owner: 'acme', name: 'm', private: true });
    expect(await a.getRepo('model', 'acme', 'm')).toEqual(repo);
    const t = await b.createToken('acme', { write: true });
    expect((await a.resolveToken(t.token))?.user.name).toBe('acme');
    await a.addObject(repo.id, oid(1), 1);
    await b.addObject(repo.id, oid(1), 1);
    await b.addObject(repo.id, oid(2), 2);
    expect(await a.listObjects(repo.id)).toHaveLength(2);
    await a.revokeToken(t.id);
    expect(await b.resolveToken(t.token)).toBeUndefined();
    const err = await thrown(async () => await a.createRepo({ type: 'model', owner: 'acme', name: 'M', private: false }));
    expect(err.code).toBe('repo_exists');
    await a.close();
    await b.close();
  });

  it('lets several processes write one file at once without "database is locked"', async () => {
    const dir = tmpDir();
    const loader = writeTsLoader(dir);
    const script = join(dir, 'writer.mjs');
    writeFileSync(script, WRITER);
    const db = join(dir, 'meta.sqlite');
    const module = pathToFileURL(join(repoRoot, 'src/server/metadata.ts')).href;
    const writers = 4;
    const rounds = 25;
    const results = await Promise.all(Array.from({ length: writers }, (_, w) => runWriter(script, [loader, module, db, `w${w}`, String(rounds)])));
    for (const r of results) expect([r.code, r.stderr]).toEqual([0, '']);
    const tallies = results.map((r) => JSON.parse(r.stdout) as { created: number; conflicts: number });
    expect(tallies.reduce((n, t) => n + t.created, 0)).toBe(5);
    expect(tallies.reduce((n, t) => n + t.conflicts, 0)).toBe(writers * rounds - 5);
    const meta = SqliteMetadata.open(db);
    expect(await meta.countTokens()).toBe(writers * rounds);
    expect(await meta.listRepos()).toHaveLength(writers * rounds + 5);
    const shared = (await meta.getUser('shared'))!;
    for (const repo of (await meta.listRepos()).filter((r) => r.type === 'model')) {
      expect(await meta.membership(repo.id, shared.id)).toBeDefined();
      expect(await meta.listObjects(repo.id)).toHaveLength(1);
    }
    await meta.close();
  });
});
