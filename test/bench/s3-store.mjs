#!/usr/bin/env node
// The content store on an S3-compatible service (issue 18) against the local store folder, on
// one machine: a real single-node OpenStack Swift with s3api (test/services/swift.sh, started
// under its own root and stopped at the end). Needs a build (dist/) and Debian's swift packages.
//
//   node test/bench/s3-store.mjs            (HUB_BENCH_MIB=256 file size, HUB_BENCH_RUNS=3)
//
// For each backend, as medians of HUB_BENCH_RUNS runs, on one file of random bytes (nothing
// deduplicates):
//   put:    store add of the file (chunk + hash + xorb writes; local: fsync + rename; S3: multipart
//           upload of each xorb + its chunk table), into an empty store
//   get:    the whole file read back through the store (objectPiecesAsync: ranged GETs, the
//           SHA-256 checked), as the server's LFS download reads it
//   raw:    the backend alone: S3Objects.putFile / one ranged GET stream of a 64 MiB xorb-sized object
// and prints MiB/s with the ratio S3 / local. Both run on the same 2 cores as Swift itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { Store } = await import(join(root, 'dist/store/store.js'));
const { addFile } = await import(join(root, 'dist/store/ingest.js'));
const { objectPiecesAsync } = await import(join(root, 'dist/store/reassemble.js'));
const { S3Objects } = await import(join(root, 'dist/store/s3-objects.js'));

const MiB = 1 << 20;
const size = Number(process.env.HUB_BENCH_MIB ?? 256) * MiB;
const runs = Number(process.env.HUB_BENCH_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'hub-bench-s3-'));
const swiftRoot = join(tmpdir(), `hub-bench-swift-${process.pid}`); // not under `work` (0700: Swift's user could not read it)
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test:tester', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
const swift = (cmd) => execFileSync('bash', [join(root, 'test/services/swift.sh'), cmd], { encoding: 'utf8', env: { ...process.env, HUB_SWIFT_ROOT: swiftRoot } });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mibs = (bytes, s) => bytes / MiB / s;

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

try {
  const endpoint = /(http:\/\/\S+)/.exec(swift('start'))[1];
  const file = join(work, 'file.bin');
  const buf = Buffer.allocUnsafe(8 * MiB);
  writeFileSync(file, '');
  for (let at = 0; at < size; at += buf.length) writeFileSync(file, randomFillSync(buf), { flag: 'a' });

  const results = {};
  for (const kind of ['local', 's3']) {
    const put = [];
    const get = [];
    for (let i = 0; i < runs; i++) {
      execFileSync('sync');
      const storage = kind === 's3' ? { kind: 's3', bucket: `bench-${process.pid}-${i}`, prefix: 'store', endpoint } : { kind: 'local' };
      const store = await Store.open(join(work, `${kind}-${i}`), env, { storage });
      try {
        let oid;
        put.push(await timed(async () => (oid = (await addFile(store, file)).oid)));
        const manifest = await store.manifests.readAsync(oid);
        get.push(
          await timed(async () => {
            let n = 0;
            for await (const p of objectPiecesAsync(store, manifest)) n += p.length;
            if (n !== size) throw new Error(`read ${n} of ${size} bytes`);
          }),
        );
      } finally {
        store.close();
        rmSync(join(work, `${kind}-${i}`), { recursive: true, force: true });
      }
    }
    results[kind] = { put: mibs(size, median(put)), get: mibs(size, median(get)) };
  }

  // the backend alone: one 64 MiB object (a full xorb), multipart up, one ranged GET stream down
  const objects = new S3Objects({ kind: 's3', bucket: `bench-raw-${process.pid}`, prefix: '', endpoint }, env);
  await objects.ensureBucket();
  const xorbBytes = 64 * MiB;
  const xorbFile = join(work, 'xorb.bin');
  writeFileSync(xorbFile, randomFillSync(Buffer.allocUnsafe(xorbBytes)));
  const rawPut = [];
  const rawGet = [];
  for (let i = 0; i < runs; i++) {
    rawPut.push(await timed(() => objects.putFile(`x${i}`, xorbFile, xorbBytes)));
    rawGet.push(
      await timed(async () => {
        let n = 0;
        for await (const c of await objects.getRange(`x${i}`, 0, xorbBytes)) n += c.length;
        if (n !== xorbBytes) throw new Error('short read');
      }),
    );
  }
  objects.close();

  const f = (x) => x.toFixed(0).padStart(6);
  console.log(`store on S3 (Swift ${endpoint}) vs local folder, ${size / MiB} MiB of random bytes, median of ${runs}`);
  console.log('                         local MiB/s   S3 MiB/s   S3/local');
  console.log(`put (store add)          ${f(results.local.put)}       ${f(results.s3.put)}     ${(results.s3.put / results.local.put).toFixed(2)}x`);
  console.log(`get (whole, verified)    ${f(results.local.get)}       ${f(results.s3.get)}     ${(results.s3.get / results.local.get).toFixed(2)}x`);
  console.log(`S3 backend alone: putFile of 64 MiB ${f(mibs(xorbBytes, median(rawPut)))} MiB/s, one ranged GET ${f(mibs(xorbBytes, median(rawGet)))} MiB/s`);
} finally {
  try {
    swift('stop');
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(swiftRoot, { recursive: true, force: true });
  }
}
