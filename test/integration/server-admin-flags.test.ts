/**
 * The server-side admin commands take the flags `hub serve` takes (issue 18): `hub token
 * create|list|revoke` and `hub gc --root` given `--root`, `--database` (PostgreSQL) and
 * `--storage` + `--s3-endpoint` (a bucket of the real Swift) act on that server's metadata and
 * content; a `--storage` other than the server's is refused before anything is done. Needs both
 * services: it runs in the S3 + PostgreSQL run (test/vitest.s3.config.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { S3_TEST_ENV, s3Endpoint, s3Wanted, testBucket } from '../helpers/s3-service.js';
import { freshDatabase, testPostgres } from '../helpers/test-database.js';
import { tmpDir } from '../helpers/tmp-dir.js';

describe.skipIf(!s3Wanted() || !testPostgres())('admin commands with --root, --database and --storage (PostgreSQL and a real Swift)', () => {
  let s: TestServer;
  let flags: string[];
  const env = { ...S3_TEST_ENV, HUB_HOME: tmpDir() };
  beforeAll(async () => {
    const root = tmpDir('hub-admin-flags-');
    const database = (await freshDatabase())!;
    const storage = ['--storage', `s3://${testBucket('hub-admin-flags')}/srv`, '--s3-endpoint', s3Endpoint()];
    s = await startHubServe(root, [...storage, '--database', database], { ...S3_TEST_ENV });
    flags = ['--root', root, '--database', database, ...storage];
  });
  afterAll(async () => s?.stop());

  it('hub token create|list|revoke and hub gc --root act on the server of those flags', async () => {
    const created = await runHubJson(['token', 'create', ...flags, '--user', 'carol', '--write'], { env });
    expect(created).toMatchObject({ user: 'carol', write: true, token: expect.any(String) });
    // the server accepts it: the token is in its PostgreSQL database, not in a file of the root
    await runHubJson(['repo', 'create', 'carol/flags', '--endpoint', s.url, '--token', created.token]);
    expect(existsSync(join(s.root, 'meta.sqlite'))).toBe(false);
    const listed = await runHubJson(['token', 'list', ...flags, '--user', 'carol'], { env });
    expect(listed.tokens).toEqual([expect.objectContaining({ user: 'carol', write: true })]);
    await runHubJson(['token', 'revoke', ...flags, String(listed.tokens[0].id)], { env });
    const refused = await runHub(['repo', 'create', 'carol/after', '--endpoint', s.url, '--token', created.token]);
    expect(refused.code).toBe(4);
    expect(await runHubJson(['gc', ...flags, '--dry-run'], { env })).toMatchObject({ dryRun: true, repositories: 1, objectsHeld: 0, manifestsRemoved: 0, xorbsRemoved: 0 });
  });

  it('refuses a --storage other than the server uses (exit 2, one line, nothing done)', async () => {
    const other = [...flags.slice(0, 4), '--storage', `s3://${testBucket('hub-elsewhere')}`, '--s3-endpoint', s3Endpoint()];
    for (const args of [['token', 'create', ...other, '--user', 'dave'], ['gc', ...other, '--dry-run']]) {
      const r = await runHub(args, { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^hub: error: the server of \S+ keeps its content in s3:\/\/hub-admin-flags-\S+\/srv at http:\S+, not s3:\/\/hub-elsewhere-\S+ at http:\S+: the server was started with .*did nothing\)$/)]);
    }
    const listed = await runHubJson(['token', 'list', ...flags], { env });
    expect(listed.tokens.map((t: { user: string }) => t.user)).not.toContain('dave');
  });
});
