#!/usr/bin/env node
// What a server's registration of a pushed file costs (issue 13: the floor under push rev2), from
// the built code: a store holding a 512 MiB safetensors model (test/helpers/make-model.mjs), its
// manifest checked the way `POST reconstructions/OID` checks it (store/object-verify.ts), part by
// part, beside the SHA-256 of the same bytes in memory (the floor: node's OpenSSL, SHA-NI where
// the CPU has it) and `sha256sum` of the file. Medians of HUB_BENCH_RUNS (default 7) runs after
// one warm-up, the page cache warm (a server registers right after the xorbs arrived).
//
//   open        the manifest's xorbs opened, their record tables read
//   xet         the Xet file hash from the chunk index's hashes (Merkle tree)
//   sha256      the SHA-256 streamed out of the xorbs (reads overlapped with hashing)
//   floor       createHash('sha256') over the file already in memory
//
// HUB_BENCH_SIZE (default 512MiB) sets the model size; files go to a fresh folder in os.tmpdir().
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = (p) => new URL(`../../dist/${p}`, import.meta.url).href;
const { Store } = await import(dist('store/store.js'));
const { addFile } = await import(dist('store/ingest.js'));
const { OpenXorbs, checkXetHash, checkSha256 } = await import(dist('store/object-verify.js'));

const runs = Number(process.env.HUB_BENCH_RUNS ?? 7);
const size = process.env.HUB_BENCH_SIZE ?? '512MiB';
const work = mkdtempSync(join(tmpdir(), 'hub-bench-register-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const model = join(work, 'model.safetensors');
  execFileSync(process.execPath, [join(root, 'test/helpers/make-model.mjs'), '--out', model, '--size', size, '--seed', '13'], { stdio: 'ignore' });
  const store = await Store.open(join(work, 'store'));
  const { oid } = await addFile(store, model);
  const manifest = await store.manifests.readAsync(oid);
  const bytes = readFileSync(model);
  const t = { open: [], xet: [], sha256: [], total: [], floor: [], sha256sum: [] };
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const xorbs = new OpenXorbs(store);
    await xorbs.openAll(manifest.terms);
    const t1 = performance.now();
    checkXetHash(store, manifest, xorbs);
    const t2 = performance.now();
    await checkSha256(manifest, xorbs);
    const t3 = performance.now();
    xorbs.close();
    const f0 = performance.now();
    if (createHash('sha256').update(bytes).digest('hex') !== oid) throw new Error('the floor hashed other bytes');
    const f1 = performance.now();
    execFileSync('sha256sum', [model]);
    const f2 = performance.now();
    if (i === 0) continue; // warm-up
    t.open.push(t1 - t0);
    t.xet.push(t2 - t1);
    t.sha256.push(t3 - t2);
    t.total.push(t3 - t0);
    t.floor.push(f1 - f0);
    t.sha256sum.push(f2 - f1);
  }
  store.close();
  const ms = (xs) => `${median(xs).toFixed(1)} ms`;
  console.log(`registration of a ${size} model (${manifest.terms.length} terms, ${new Set(manifest.terms.map((x) => x.xorb)).size} xorbs), medians of ${runs} runs:`);
  console.log(`| part | time |\n|---|---:|`);
  for (const k of ['open', 'xet', 'sha256', 'total', 'floor', 'sha256sum']) console.log(`| ${k === 'floor' ? 'floor: SHA-256 in memory' : k === 'sha256sum' ? 'sha256sum FILE' : k} | ${ms(t[k])} |`);
  console.log(`registration / in-memory SHA-256: ${(median(t.total) / median(t.floor)).toFixed(2)}x`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
