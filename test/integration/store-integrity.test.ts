import { existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32Bytes } from '../helpers/vectors.js';
import { hubHome, lines, runHub } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** A store holding one 3 MB random file; returns its oid and the store's paths. */
async function storeWithOneFile(seed: number) {
  const dir = tmpDir();
  console.log(`store-integrity: seed=${seed}`);
  writeFileSync(join(dir, 'data.bin'), mulberry32Bytes(seed, 3_000_000));
  const add = await runHub(['store', 'add', 'data.bin', '--json'], { cwd: dir });
  expect(add.code, add.stderr).toBe(0);
  const oid: string = JSON.parse(add.stdout).files[0].oid;
  const store = join(hubHome(), 'store');
  const xorbs = readdirSync(join(store, 'xorbs'), { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.xorb'))
    .map((p) => join(store, 'xorbs', p));
  expect(xorbs.length).toBe(1);
  return { dir, oid, store, xorb: xorbs[0], xorbHash: xorbs[0].slice(-69, -5), manifest: join(store, 'manifests', oid.slice(0, 2), `${oid}.json`) };
}

/** fsck exits 5 naming `object`; cat -o exits 5 and leaves no file. */
async function expectDetected(s: { dir: string }, catOid: string, object: string) {
  const fsck = await runHub(['fsck', '--json'], { cwd: s.dir });
  expect(fsck.code).toBe(5);
  const report = JSON.parse(fsck.stdout);
  expect(report.healthy).toBe(false);
  expect(report.problems.map((p: { object: string }) => p.object)).toContain(object);
  const human = await runHub(['fsck'], { cwd: s.dir });
  expect(human.code).toBe(5);
  expect(human.stderr).toContain(object.split(' ')[1]);

  const out = join(s.dir, 'restored.bin');
  const cat = await runHub(['store', 'cat', catOid, '-o', out], { cwd: s.dir });
  expect(cat.code).toBe(5);
  expect(lines(cat.stderr).filter((l) => l.startsWith('hub: error: '))).toHaveLength(1);
  expect(cat.stderr).not.toMatch(/^\s+at /m);
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(s.dir).filter((n) => n.includes('restored'))).toEqual([]);
}

describe('damage is detected by fsck and by store cat -o', () => {
  it('a healthy store passes', async () => {
    const s = await storeWithOneFile(11);
    const fsck = await runHub(['fsck', '--json'], { cwd: s.dir });
    expect(fsck.code).toBe(0);
    expect(JSON.parse(fsck.stdout).checked).toMatchObject({ xorbs: 1, manifests: 1 });
  });

  it('a flipped byte in a xorb', async () => {
    const s = await storeWithOneFile(12);
    const bytes = readFileSync(s.xorb);
    const at = 8 + Math.floor(bytes.length / 2); // inside chunk data, not a header (one chunk is < 128 KiB away)
    bytes[at] ^= 0x40;
    writeFileSync(s.xorb, bytes);
    await expectDetected(s, s.oid, `xorb ${s.xorbHash}`);
  });

  it('a truncated xorb', async () => {
    const s = await storeWithOneFile(13);
    truncateSync(s.xorb, statSync(s.xorb).size - 1000);
    await expectDetected(s, s.oid, `xorb ${s.xorbHash}`);
  });

  it('a manifest naming a missing chunk', async () => {
    const s = await storeWithOneFile(14);
    const m = JSON.parse(readFileSync(s.manifest, 'utf8'));
    m.terms[0].xorb = 'ab'.repeat(32);
    writeFileSync(s.manifest, `${JSON.stringify(m)}\n`);
    await expectDetected(s, s.oid, `manifest ${s.oid}`);
  });

  it('a manifest whose content has the wrong sha256', async () => {
    const s = await storeWithOneFile(15);
    const wrong = 'cd'.repeat(32);
    const m = JSON.parse(readFileSync(s.manifest, 'utf8'));
    m.oid = wrong;
    const path = join(s.store, 'manifests', wrong.slice(0, 2), `${wrong}.json`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(s.store, 'manifests', wrong.slice(0, 2)), { recursive: true });
    writeFileSync(path, `${JSON.stringify(m)}\n`);
    await expectDetected(s, wrong, `manifest ${wrong}`);
  });
});
