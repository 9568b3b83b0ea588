/**
 * The Xet CAS credentials of hub's client (src/transfer/xet-token.ts, xet-cas.ts) against a real
 * `hub serve` through a recording proxy: the token the LFS batch hands out is used as it is; one
 * that expires within a minute is refreshed from the token route first; one the CAS refuses (401)
 * is refreshed and the request sent once more; concurrent callers share one refresh; a refresh
 * the hub refuses is one error (exit 4 for a wrong token, 3 for a private repository asked anonymously).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../../src/errors.js';
import { anonymous, bearer, type LfsTarget } from '../../src/transfer/lfs-auth.js';
import { lfsBatch, type LfsAction } from '../../src/transfer/lfs-client.js';
import { XetCas } from '../../src/transfer/xet-cas.js';
import { XetTokenSource } from '../../src/transfer/xet-token.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { ID } from '../helpers/remote-repo.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { runHubJson } from '../helpers/run-hub.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

describe('Xet CAS tokens against hub serve', () => {
  let s: TestServer;
  let proxy: FaultProxy;
  let target: LfsTarget;
  let action: LfsAction;
  let fileHash: string;
  const tokenRoute = () => proxy.log.filter((r) => /\/api\/models\/admin\/tok\/xet-read-token\//.test(r.url));
  const reconstructions = () => proxy.log.filter((r) => r.url.includes('/reconstructions/'));

  beforeAll(async () => {
    s = await startHubServe();
    proxy = await startFaultProxy(s.url, []);
    await runHubJson(['repo', 'create', 'admin/tok', '--private', '--endpoint', s.url, '--token', s.adminToken]);
    const a = { dir: tmpDir(), env: { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken } };
    await runHubJson(['init'], { cwd: a.dir, env: a.env });
    await runHubJson(['track', '*.safetensors'], { cwd: a.dir, env: a.env });
    await runHubJson(['remote', 'add', 'origin', `${s.url}/admin/tok`], { cwd: a.dir, env: a.env });
    makeModel(join(a.dir, 'model.safetensors'), '1MiB', 1901);
    await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
    await runHubJson(['commit', '-m', 'one'], { cwd: a.dir, env: a.env });
    await runHubJson(['push'], { cwd: a.dir, env: a.env });
    const bytes = readFileSync(join(a.dir, 'model.safetensors'));
    target = { url: `${proxy.url}/admin/tok.git/info/lfs`, auth: bearer(s.adminToken), transfers: ['xet', 'basic'] };
    const batch = await lfsBatch(target, 'download', [{ oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length }]);
    expect(batch.transfer).toBe('xet');
    action = batch.objects[0].actions!.download!;
    fileHash = action.header!['X-Xet-Hash'];
    expect(fileHash).toMatch(/^[0-9a-f]{64}$/);
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.stop();
  });

  const withHeader = (changes: Record<string, string | undefined>): LfsAction => {
    const header: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...action.header, ...changes })) if (v !== undefined) header[k] = v;
    return { ...action, header };
  };

  it("uses the batch's token while it is valid for more than a minute", async () => {
    proxy.log.length = 0;
    const rec = await new XetCas(new XetTokenSource(action, target.auth)).reconstruction(fileHash);
    expect(rec.terms.length).toBeGreaterThan(0);
    expect(tokenRoute()).toEqual([]);
  });

  it('refreshes a token that expires within a minute before using it, once for concurrent callers', async () => {
    proxy.log.length = 0;
    const cas = new XetCas(new XetTokenSource(withHeader({ 'X-Xet-Token-Expiration': String(Math.floor(Date.now() / 1000) + 30) }), target.auth));
    await Promise.all([cas.reconstruction(fileHash), cas.reconstruction(fileHash), cas.reconstruction(fileHash)]);
    expect(tokenRoute()).toHaveLength(1);
    expect(reconstructions().every((r) => r.done)).toBe(true);
  });

  it('asks the token route first when the batch carried no token', async () => {
    proxy.log.length = 0;
    await new XetCas(new XetTokenSource(withHeader({ 'X-Xet-Access-Token': undefined, 'X-Xet-Cas-Url': undefined, 'X-Xet-Token-Expiration': undefined }), target.auth)).reconstruction(fileHash);
    expect(tokenRoute()).toHaveLength(1);
  });

  it('after a 401 from the CAS, refreshes the token and sends the request once more', async () => {
    proxy.log.length = 0;
    const forged = `xet1.${Buffer.from('{"scope":"read"}').toString('base64url')}.${'A'.repeat(43)}`;
    const cas = new XetCas(new XetTokenSource(withHeader({ 'X-Xet-Access-Token': forged, 'X-Xet-Token-Expiration': String(Math.floor(Date.now() / 1000) + 3600) }), target.auth));
    const rec = await cas.reconstruction(fileHash);
    expect(rec.terms.length).toBeGreaterThan(0);
    expect(reconstructions().map((r) => r.done)).toHaveLength(2); // the refused one and the one after the refresh
    expect(tokenRoute()).toHaveLength(1);
  });

  it('a refresh the hub refuses is one error: a wrong hub token exit 4, no credentials for a private repository exit 3 (hidden as missing)', async () => {
    for (const [auth, exit] of [[bearer('hf_wrong'), 4], [anonymous, 3]] as const) {
      const cas = new XetCas(new XetTokenSource(withHeader({ 'X-Xet-Access-Token': undefined }), auth));
      const err = await cas.reconstruction(fileHash).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(HubError);
      expect((err as HubError).exitCode).toBe(exit);
      expect((err as HubError).message).toMatch(/Xet token/);
    }
  });
});
