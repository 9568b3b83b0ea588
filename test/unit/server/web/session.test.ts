/** Session cookies: sealed tokens that only this key opens, expire, and cannot be altered; CSRF tokens. */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cookies, parseCookies, sessionKey, Sessions, SESSION_SECONDS } from '../../../../src/server/web/session.js';
import { tmpDir } from '../../../helpers/tmp-dir.js';

describe('Sessions', () => {
  const key = randomBytes(32);

  it('seals a token that only the same key opens, and never shows it', () => {
    const token = 'hf_' + randomBytes(32).toString('base64url');
    const sealed = new Sessions(key).seal(token);
    expect(sealed).not.toContain(token.slice(3, 15));
    expect(new Sessions(key).open(sealed)).toBe(token);
    expect(new Sessions(randomBytes(32)).open(sealed)).toBeUndefined();
    expect(new Sessions(key).seal(token)).not.toBe(sealed); // a fresh IV each time
  });

  it('refuses an altered, truncated or expired cookie', () => {
    let now = 1_000_000_000_000;
    const s = new Sessions(key, () => now);
    const sealed = s.seal('hf_token');
    const raw = Buffer.from(sealed, 'base64url');
    for (let i = 0; i < raw.length; i += 7) {
      const bad = Buffer.from(raw);
      bad[i] ^= 1;
      expect(s.open(bad.toString('base64url')), `byte ${i}`).toBeUndefined();
    }
    expect(s.open(sealed.slice(0, 20))).toBeUndefined();
    expect(s.open('')).toBeUndefined();
    now += (SESSION_SECONDS - 10) * 1000;
    expect(s.open(sealed)).toBe('hf_token');
    now += 20_000;
    expect(s.open(sealed)).toBeUndefined();
  });

  it('binds CSRF tokens to their nonce', () => {
    const s = new Sessions(key);
    const t = s.csrfToken('nonce-a');
    expect(s.checkCsrf('nonce-a', t)).toBe(true);
    expect(s.checkCsrf('nonce-b', t)).toBe(false);
    expect(s.checkCsrf(undefined, t)).toBe(false);
    expect(s.checkCsrf('nonce-a', undefined)).toBe(false);
    expect(new Sessions(randomBytes(32)).checkCsrf('nonce-a', t)).toBe(false);
  });
});

describe('session key and cookies', () => {
  it('creates the key once, readable by its owner only, and reuses it', () => {
    const root = tmpDir();
    const k = sessionKey(root);
    expect(k).toHaveLength(32);
    expect(statSync(join(root, 'web-session.key')).mode & 0o777).toBe(0o600);
    expect(sessionKey(root).equals(k)).toBe(true);
  });

  it('writes HttpOnly SameSite cookies and parses cookie headers', () => {
    expect(cookies.session('v')).toBe(`hub_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_SECONDS}`);
    expect(cookies.csrf('n')).toBe('hub_csrf=n; Path=/; HttpOnly; SameSite=Strict');
    expect(cookies.clearSession()).toContain('Max-Age=0');
    expect([...parseCookies('a=1; hub_session=x=y; a=2;junk; b=')]).toEqual([['a', '1'], ['hub_session', 'x=y'], ['b', '']]);
  });
});
