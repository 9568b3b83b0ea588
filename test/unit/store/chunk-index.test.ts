import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ExitCode, HubError } from '../../../src/errors.js';
import { CHUNK_INDEX_VERSION, ChunkIndex } from '../../../src/store/chunk-index.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const XORB = 'ab'.repeat(32);
const chunk = { hash: new Uint8Array(32).fill(5), index: 0, offset: 0, length: 100 };

const userVersion = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return Number(db.pragma('user_version', { simple: true }));
  } finally {
    db.close();
  }
};

describe('the chunk index schema version', () => {
  it('a new index is created at the current version', () => {
    const path = join(tmpDir(), 'index.sqlite');
    new ChunkIndex(path).close();
    expect(CHUNK_INDEX_VERSION).toBeGreaterThanOrEqual(1);
    expect(userVersion(path)).toBe(CHUNK_INDEX_VERSION);
  });

  it('an index written before versioning (version 0) is migrated and keeps its rows', () => {
    const path = join(tmpDir(), 'index.sqlite');
    const index = new ChunkIndex(path);
    index.addXorb(XORB, 108, [chunk]);
    index.registerRepo('/some/repo');
    index.close();
    const db = new Database(path);
    db.pragma('user_version = 0'); // what every store made before this change holds
    db.close();
    const reopened = new ChunkIndex(path);
    try {
      expect(reopened.lookup(chunk.hash)).toEqual({ xorb: XORB, index: 0, offset: 0, length: 100 });
      expect(reopened.repos()).toEqual(['/some/repo']);
    } finally {
      reopened.close();
    }
    expect(userVersion(path)).toBe(CHUNK_INDEX_VERSION);
  });

  it('an index from a newer hub is refused with one line (exit 1) and left untouched', () => {
    const path = join(tmpDir(), 'index.sqlite');
    new ChunkIndex(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${CHUNK_INDEX_VERSION + 1}`);
    db.close();
    let thrown: unknown;
    try {
      new ChunkIndex(path).close();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HubError);
    const err = thrown as HubError;
    expect(err.code).toBe('store_too_new');
    expect(err.exitCode).toBe(ExitCode.error);
    expect(err.message).toContain(path);
    expect(err.message).not.toContain('\n');
    expect(userVersion(path)).toBe(CHUNK_INDEX_VERSION + 1);
  });
});
