import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/server/http-util.js';
import { checkLockPath, cursorOf, lockJson, lockRoute, MAX_LOCK_PAGE, pageLimit, pathOfCursor } from '../../../src/server/lfs-locks.js';

function status(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return err.status;
    throw err;
  }
  return 200;
}

describe('the locks routes', () => {
  it('name an operation by method and path, 405 for a wrong method, 404 for anything else', () => {
    expect(lockRoute('POST', [])).toEqual({ op: 'create' });
    expect(lockRoute('GET', [])).toEqual({ op: 'list' });
    expect(lockRoute('POST', ['verify'])).toEqual({ op: 'verify' });
    expect(lockRoute('POST', ['abc', 'unlock'])).toEqual({ op: 'unlock', id: 'abc' });
    expect(status(() => lockRoute('DELETE', []))).toBe(405);
    expect(status(() => lockRoute('GET', ['verify']))).toBe(405);
    expect(status(() => lockRoute('GET', ['abc', 'unlock']))).toBe(405);
    expect(status(() => lockRoute('POST', ['abc']))).toBe(404);
    expect(status(() => lockRoute('POST', ['abc', 'unlock', 'x']))).toBe(404);
  });

  it('accept relative, clean lock paths only', () => {
    for (const ok of ['a', 'dir/model.safetensors', 'with space/ü.bin', 'a\\b']) expect(checkLockPath(ok)).toBe(ok);
    for (const bad of ['', '/abs', 'a/../b', './a', 'a//b', 'a/', 'nul\u0000', 'tab\tx', 'x'.repeat(4097), 7, null, undefined, ['a']]) {
      expect(status(() => checkLockPath(bad)), JSON.stringify(bad)).toBe(422);
    }
  });

  it('page limits: default, clamped, and refused when not a positive whole number', () => {
    expect(pageLimit(undefined)).toBe(100);
    expect(pageLimit('')).toBe(100);
    expect(pageLimit('5')).toBe(5);
    expect(pageLimit(7)).toBe(7);
    expect(pageLimit(10 ** 6)).toBe(MAX_LOCK_PAGE);
    for (const bad of ['-1', 'x', '1.5', -3, 2.5, '1e3', true, {}]) expect(status(() => pageLimit(bad)), JSON.stringify(bad)).toBe(422);
  });

  it('cursors round-trip any path, and a cursor this server did not make is 422', () => {
    for (const p of ['a', 'dir/ü b.bin', 'x'.repeat(300)]) expect(pathOfCursor(cursorOf(p))).toBe(p);
    expect(pathOfCursor(undefined)).toBeUndefined();
    expect(status(() => pathOfCursor('not a cursor!'))).toBe(422);
    expect(status(() => pathOfCursor(12))).toBe(422);
  });

  it('shows a lock as the API does: RFC 3339 seconds, the owner by name', () => {
    expect(lockJson({ id: 'i', path: 'p', ownerId: 1, owner: 'alice', lockedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678) })).toEqual({ id: 'i', path: 'p', locked_at: '2026-01-02T03:04:05Z', owner: { name: 'alice' } });
  });
});
