/** CAS tokens and signed fetch URLs (server/xet-tokens.ts): what they allow, for how long, and that nothing else verifies. */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createXetTokens, loadXetSecret } from '../../../src/server/xet-tokens.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const scope = { scope: 'write' as const, repoId: 7, type: 'model' as const, owner: 'acme', name: 'llama', tokenId: 3 };

describe('Xet tokens', () => {
  it('verify what they were issued for, until they expire', () => {
    let now = 1_800_000_000_000;
    const tokens = createXetTokens(randomBytes(32), { ttlSeconds: 60, now: () => now });
    const { accessToken, exp } = tokens.issue(scope);
    expect(exp).toBe(1_800_000_060);
    expect(tokens.verify(accessToken)).toEqual({ ...scope, exp });
    now += 59_000;
    expect(tokens.verify(accessToken)).toBeDefined();
    now += 1_000;
    expect(tokens.verify(accessToken)).toBeUndefined();
  });

  it('refuses a token of another secret, a changed payload, and garbage', () => {
    const a = createXetTokens(randomBytes(32));
    const b = createXetTokens(randomBytes(32));
    const { accessToken } = a.issue(scope);
    expect(b.verify(accessToken)).toBeUndefined();
    const [p, payload, mac] = accessToken.split('.');
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), repoId: 8 })).toString('base64url');
    expect(a.verify(`${p}.${other}.${mac}`)).toBeUndefined();
    for (const bad of ['', 'xet1..', `${accessToken}x`, accessToken.replace('xet1', 'xet2'), 'Bearer x']) expect(a.verify(bad), bad).toBeUndefined();
  });

  it('fetch URLs allow exactly one Range of one xorb for one repository, until they expire', () => {
    let now = 1_800_000_000_000;
    const tokens = createXetTokens(randomBytes(32), { ttlSeconds: 60, now: () => now });
    const xorb = 'ab'.repeat(32);
    const query = new URLSearchParams(tokens.signFetch(5, xorb, 'bytes=0-99,200-299'));
    expect(query.get('X-Xet-Signed-Range')).toBe('bytes=0-99,200-299');
    expect(tokens.verifyFetch(xorb, query)).toEqual({ repoId: 5, range: 'bytes=0-99,200-299' });
    expect(tokens.verifyFetch('cd'.repeat(32), query)).toBeUndefined();
    for (const [key, value] of [['Repo', '6'], ['X-Xet-Signed-Range', 'bytes=0-100'], ['Expires', String(Number(query.get('Expires')) + 1)]]) {
      const changed = new URLSearchParams(query);
      changed.set(key, value);
      expect(tokens.verifyFetch(xorb, changed), key).toBeUndefined();
    }
    now += 60_000;
    expect(tokens.verifyFetch(xorb, query)).toBeUndefined();
  });

  it('keep their secret in the server root, readable by its owner only, across restarts', () => {
    const root = tmpDir();
    const secret = loadXetSecret(root);
    expect(statSync(join(root, 'xet-secret')).mode & 0o777).toBe(0o600);
    expect(loadXetSecret(root).equals(secret)).toBe(true);
    const { accessToken } = createXetTokens(secret).issue(scope);
    expect(createXetTokens(loadXetSecret(root)).verify(accessToken)).toBeDefined();
  });
});
