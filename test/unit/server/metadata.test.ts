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

/** Runs `fn` and returns the HubError it throws (fails when it does not throw). */
function thrown(fn: () => unknown): { code: string; exitCode: number; constructor: unknown } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; exitCode: number; constructor: unknown };
  }
  throw new Error('expected an error');
}

describe('SqliteMetadata users', () => {
  it('creates a user once, finds it in any case and keeps the stored spelling', () => {
    const { meta } = open();
    const alice = meta.ensureUser('Alice');
    expect(alice).toEqual({ id: expect.any(Number), name: 'Alice', admin: false });
    expect(meta.ensureUser('alice')).toEqual(alice);
    expect(meta.getUser('ALICE')).toEqual(alice);
    expect(meta.getUser('bob')).toBeUndefined();
    expect(meta.getUser('../etc')).toBeUndefined();
    meta.close();
  });

  it('sets the admin flag only when asked', () => {
    const { meta } = open();
    expect(meta.ensureUser('root', { admin: true }).admin).toBe(true);
    expect(meta.ensureUser('root').admin).toBe(true);
    expect(meta.ensureUser('root', { admin: false }).admin).toBe(false);
    expect(meta.getUser('root')!.admin).toBe(false);
    meta.close();
  });

  it('rejects bad names with UsageError bad_name', () => {
    const { meta } = open();
    for (const name of ['', '-x', '.x', '_x', 'a/b', 'a b', 'é', 'a'.repeat(97), '..']) {
      const err = thrown(() => meta.ensureUser(name));
      expect(err, name).toBeInstanceOf(UsageError);
      expect([err.code, err.exitCode], name).toEqual(['bad_name', 2]);
    }
    expect(meta.ensureUser('a'.repeat(96)).name).toHaveLength(96);
    expect(meta.ensureUser('a0._-Z').name).toBe('a0._-Z');
    meta.close();
  });
});

describe('SqliteMetadata tokens', () => {
  it('creates hub_ tokens that resolve to their user and grant', () => {
    const { meta } = open();
    const alice = meta.ensureUser('alice');
    const w = meta.createToken('alice', { write: true, label: 'laptop' });
    const r = meta.createToken('ALICE', { write: false });
    expect(w.token).toMatch(/^hf_[A-Za-z0-9_-]{43}$/);
    expect(w.token).not.toBe(r.token);
    expect(meta.resolveToken(w.token)).toEqual({ user: alice, write: true, tokenId: w.id });
    expect(meta.resolveToken(r.token)).toEqual({ user: alice, write: false, tokenId: r.id });
    expect(meta.resolveToken(w.token.slice(0, -1))).toBeUndefined();
    expect(meta.resolveToken('')).toBeUndefined();
    expect(meta.resolveToken('x'.repeat(100_000))).toBeUndefined();
    expect(meta.countTokens()).toBe(2);
    meta.close();
  });

  it('refuses tokens for unknown users and bad labels', () => {
    const { meta } = open();
    const err = thrown(() => meta.createToken('nobody', { write: true }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('user_not_found');
    meta.ensureUser('alice');
    expect(thrown(() => meta.createToken('alice', { write: true, label: 'a\nb' })).code).toBe('bad_label');
    expect(meta.countTokens()).toBe(0);
    meta.close();
  });

  it('revokes a token for good', () => {
    const { meta } = open();
    meta.ensureUser('alice');
    const a = meta.createToken('alice', { write: true });
    const b = meta.createToken('alice', { write: true });
    meta.revokeToken(a.id);
    expect(meta.resolveToken(a.token)).toBeUndefined();
    expect(meta.resolveToken(b.token)?.tokenId).toBe(b.id);
    expect(meta.countTokens()).toBe(1);
    const err = thrown(() => meta.revokeToken(a.id));
    expect([err.constructor, err.code]).toEqual([NotFoundError, 'token_not_found']);
    meta.close();
  });

  it('survive reopening the database', () => {
    const dir = tmpDir();
    const first = open(dir);
    first.meta.ensureUser('root', { admin: true });
    const t = first.meta.createToken('root', { write: true });
    first.meta.close();
    const second = open(dir);
    expect(second.meta.countTokens()).toBe(1);
    expect(second.meta.resolveToken(t.token)).toEqual({ user: { id: expect.any(Number), name: 'root', admin: true }, write: true, tokenId: t.id });
    second.meta.close();
  });

  it('never writes the plaintext to the database files, only its SHA-256', () => {
    const dir = tmpDir();
    const { meta } = open(dir);
    meta.ensureUser('alice');
    const tokens = Array.from({ length: 20 }, (_, i) => meta.createToken('alice', { write: i % 2 === 0, label: `label-${i}` }).token);
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
    meta.close();
    check(); // after the checkpoint: the rows are in the main file
  });
});

describe('SqliteMetadata repositories', () => {
  it('creates, finds, lists, hides and deletes repositories', () => {
    let t = 1_700_000_000_000;
    const { meta } = open(undefined, () => t++);
    meta.ensureUser('acme');
    const model = meta.createRepo({ type: 'model', owner: 'acme', name: 'Llama-7b', private: false });
    expect(model).toEqual({ id: expect.any(Number), type: 'model', owner: 'acme', name: 'Llama-7b', private: false, createdAt: 1_700_000_000_000 });
    // the same name as a dataset is another repository
    const data = meta.createRepo({ type: 'dataset', owner: 'ACME', name: 'llama-7b', private: true });
    expect(data).toMatchObject({ type: 'dataset', owner: 'acme', name: 'llama-7b', private: true });
    expect(meta.getRepo('model', 'Acme', 'LLAMA-7B')).toEqual(model);
    expect(meta.getRepo('dataset', 'acme', 'llama-7b')).toEqual(data);
    expect(meta.getRepo('model', 'acme', 'other')).toBeUndefined();
    expect(meta.getRepo('model', 'acme', '../x')).toBeUndefined();
    expect(meta.listRepos()).toEqual([data, model]);
    meta.setPrivate(model.id, true);
    expect(meta.getRepo('model', 'acme', 'Llama-7b')!.private).toBe(true);
    meta.deleteRepo(model.id);
    expect(meta.getRepo('model', 'acme', 'Llama-7b')).toBeUndefined();
    expect(meta.listRepos()).toEqual([data]);
    for (const fn of [() => meta.setPrivate(model.id, false), () => meta.deleteRepo(model.id)]) {
      const err = thrown(fn);
      expect([err.constructor, err.code, err.exitCode]).toEqual([NotFoundError, 'repo_not_found', 3]);
    }
    meta.close();
  });

  it('refuses a taken name (in any case), an unknown owner and bad names', () => {
    const { meta } = open();
    meta.ensureUser('acme');
    meta.createRepo({ type: 'model', owner: 'acme', name: 'm', private: false });
    const taken = thrown(() => meta.createRepo({ type: 'model', owner: 'Acme', name: 'M', private: true }));
    expect([taken.constructor, taken.code, taken.exitCode]).toEqual([ConflictError, 'repo_exists', 7]);
    const owner = thrown(() => meta.createRepo({ type: 'model', owner: 'ghost', name: 'm', private: false }));
    expect([owner.constructor, owner.code]).toEqual([NotFoundError, 'user_not_found']);
    expect(meta.getUser('ghost')).toBeUndefined();
    for (const name of ['', 'a/b', '.hidden', 'x.git', 'x.GIT']) {
      expect(thrown(() => meta.createRepo({ type: 'model', owner: 'acme', name, private: false })).code, name).toBe('bad_name');
    }
    expect(thrown(() => meta.createRepo({ type: 'space' as 'model', owner: 'acme', name: 'm2', private: false })).code).toBe('bad_repo_type');
    expect(meta.listRepos()).toHaveLength(1);
    meta.close();
  });
});

describe('SqliteMetadata members', () => {
  it('counts the owner as a write member and records others', () => {
    const { meta } = open();
    const owner = meta.ensureUser('acme');
    const bob = meta.ensureUser('bob');
    const eve = meta.ensureUser('eve');
    const repo = meta.createRepo({ type: 'model', owner: 'acme', name: 'm', private: true });
    expect(meta.membership(repo.id, owner.id)).toEqual({ write: true });
    expect(meta.membership(repo.id, bob.id)).toBeUndefined();
    meta.addMember(repo.id, 'bob', false);
    expect(meta.membership(repo.id, bob.id)).toEqual({ write: false });
    meta.addMember(repo.id, 'Bob', true);
    expect(meta.membership(repo.id, bob.id)).toEqual({ write: true });
    expect(meta.membership(repo.id, eve.id)).toBeUndefined();
    expect(meta.membership(repo.id + 1000, owner.id)).toBeUndefined();
    expect(thrown(() => meta.addMember(repo.id, 'ghost', true)).code).toBe('user_not_found');
    expect(thrown(() => meta.addMember(repo.id + 1000, 'bob', true)).code).toBe('repo_not_found');
    meta.close();
  });
});

describe('SqliteMetadata objects', () => {
  it('records which repository holds which oid', () => {
    const { meta } = open();
    meta.ensureUser('acme');
    const a = meta.createRepo({ type: 'model', owner: 'acme', name: 'a', private: false });
    const b = meta.createRepo({ type: 'model', owner: 'acme', name: 'b', private: false });
    meta.addObject(a.id, oid(2), 20);
    meta.addObject(a.id, oid(1), 10);
    meta.addObject(a.id, oid(1), 10); // idempotent
    meta.addObject(b.id, oid(1), 10);
    expect(meta.hasObject(a.id, oid(1))).toBe(true);
    expect(meta.hasObject(b.id, oid(2))).toBe(false);
    expect(meta.objectSize(a.id, oid(2))).toBe(20);
    expect(meta.objectSize(b.id, oid(2))).toBeUndefined();
    expect(meta.listObjects(a.id)).toEqual([{ oid: oid(1), size: 10 }, { oid: oid(2), size: 20 }].sort((x, y) => (x.oid < y.oid ? -1 : 1)));
    expect(meta.listObjects(b.id)).toEqual([{ oid: oid(1), size: 10 }]);
    meta.close();
  });

  it('refuses a bad oid or size, an unknown repository and a second size for one oid', () => {
    const { meta } = open();
    meta.ensureUser('acme');
    const repo = meta.createRepo({ type: 'model', owner: 'acme', name: 'a', private: false });
    expect(thrown(() => meta.addObject(repo.id, oid(1).toUpperCase(), 1)).code).toBe('bad_oid');
    expect(thrown(() => meta.addObject(repo.id, 'sha256:' + oid(1), 1)).code).toBe('bad_oid');
    expect(thrown(() => meta.addObject(repo.id, oid(1), -1)).code).toBe('bad_size');
    expect(thrown(() => meta.addObject(repo.id, oid(1), 1.5)).code).toBe('bad_size');
    expect(thrown(() => meta.addObject(repo.id + 1000, oid(1), 1)).code).toBe('repo_not_found');
    meta.addObject(repo.id, oid(1), 1);
    const err = thrown(() => meta.addObject(repo.id, oid(1), 2));
    expect([err.constructor, err.code]).toEqual([IntegrityError, 'size_mismatch']);
    expect(meta.listObjects(repo.id)).toEqual([{ oid: oid(1), size: 1 }]);
    meta.close();
  });

  it('forgets the objects and members of a deleted repository', () => {
    const { meta } = open();
    meta.ensureUser('acme');
    const bob = meta.ensureUser('bob');
    const first = meta.createRepo({ type: 'model', owner: 'acme', name: 'a', private: true });
    meta.addMember(first.id, 'bob', true);
    meta.addObject(first.id, oid(1), 1);
    meta.deleteRepo(first.id);
    const again = meta.createRepo({ type: 'model', owner: 'acme', name: 'a', private: true });
    expect(meta.listObjects(first.id)).toEqual([]);
    expect(meta.listObjects(again.id)).toEqual([]);
    expect(meta.membership(again.id, bob.id)).toBeUndefined();
    meta.close();
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
  meta.ensureUser('shared');
  const user = meta.ensureUser(tag + '-' + i, { admin: i % 2 === 0 });
  const repo = meta.createRepo({ type: 'model', owner: user.name, name: 'r', private: i % 2 === 0 });
  meta.addMember(repo.id, 'shared', i % 3 === 0);
  meta.addObject(repo.id, (tag + i).padEnd(64, '0').replace(/[^0-9a-f]/g, 'a'), i);
  meta.createToken('shared', { write: true });
  try {
    meta.createRepo({ type: 'dataset', owner: 'shared', name: 'race-' + (i % 5), private: false });
    tally.created++;
  } catch (err) {
    if (err.code !== 'repo_exists') throw err;
    tally.conflicts++;
  }
}
meta.close();
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
  it('lets two instances on one file both write and see each other', () => {
    const dir = tmpDir();
    const a = open(dir).meta;
    const b = open(dir).meta;
    a.ensureUser('acme');
    const repo = b.createRepo({ type: 'model', owner: 'acme', name: 'm', private: true });
    expect(a.getRepo('model', 'acme', 'm')).toEqual(repo);
    const t = b.createToken('acme', { write: true });
    expect(a.resolveToken(t.token)?.user.name).toBe('acme');
    a.addObject(repo.id, oid(1), 1);
    b.addObject(repo.id, oid(1), 1);
    b.addObject(repo.id, oid(2), 2);
    expect(a.listObjects(repo.id)).toHaveLength(2);
    a.revokeToken(t.id);
    expect(b.resolveToken(t.token)).toBeUndefined();
    const err = thrown(() => a.createRepo({ type: 'model', owner: 'acme', name: 'M', private: false }));
    expect(err.code).toBe('repo_exists');
    a.close();
    b.close();
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
    expect(meta.countTokens()).toBe(writers * rounds);
    expect(meta.listRepos()).toHaveLength(writers * rounds + 5);
    const shared = meta.getUser('shared')!;
    for (const repo of meta.listRepos().filter((r) => r.type === 'model')) {
      expect(meta.membership(repo.id, shared.id)).toBeDefined();
      expect(meta.listObjects(repo.id)).toHaveLength(1);
    }
    meta.close();
  });
});
