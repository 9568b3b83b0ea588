#!/usr/bin/env node
// Writes the golden and malformed fixtures of src/formats into fixtures/{pointers,manifests,xorbs}.
// Run by hand (`node test/unit/formats/make-fixtures.mjs`) and commit the output; tests never run it.
// It builds every byte straight from docs/formats.md without importing src/, so the tests that
// compare codec output with these files check the codecs against an independent implementation.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const V1 = 'https://git-lfs.github.com/spec/v1';
const HAWSER = 'https://hawser.github.com/spec/v1';

// The three known chunks of the golden xorb (also described in fixtures/xorbs/README.md).
const chunk0 = Buffer.from('hub golden chunk 0\n', 'ascii');
const chunk1 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const chunk2 = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff));
const chunks = [chunk0, chunk1, chunk2];
const file = Buffer.concat(chunks);
const oid = createHash('sha256').update(file).digest('hex');
const size = file.length;

function header(version, compressedLen, scheme, uncompressedLen) {
  const h = Buffer.alloc(8);
  h[0] = version;
  h.writeUIntLE(compressedLen, 1, 3);
  h[4] = scheme;
  h.writeUIntLE(uncompressedLen, 5, 3);
  return h;
}
const record = (data) => Buffer.concat([header(0, data.length, 0, data.length), data]);

function resetDir(name) {
  const dir = `${root}${name}/`;
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f !== 'README.md' && f !== '.gitattributes') rmSync(dir + f);
  return dir;
}

// ---- pointers ----
{
  const dir = resetDir('pointers');
  const cases = [];
  const write = (name, text, expect) => {
    writeFileSync(dir + name, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    cases.push({ file: name, ...expect });
  };
  const ext = createHash('sha256').update('extension').digest('hex');
  const valid = (canonical, extra = []) => ({ valid: true, canonical, oid, size, extra });
  const invalid = (message) => ({ valid: false, code: 'bad_pointer', message });

  write('canonical.pointer', `version ${V1}\noid sha256:${oid}\nsize ${size}\n`, valid(true));
  write('extra-key.pointer', `version ${V1}\next-0-foo sha256:${ext}\noid sha256:${oid}\nsize ${size}\n`,
    valid(true, [['ext-0-foo', `sha256:${ext}`]]));
  write('noncanonical-order.pointer', `version ${V1}\nsize ${size}\noid sha256:${oid}\n`, valid(false));
  write('legacy-hawser.pointer', `version ${HAWSER}\noid sha256:${oid}\nsize ${size}\n`, valid(false));
  write('empty-file.pointer',
    `version ${V1}\noid sha256:${createHash('sha256').digest('hex')}\nsize 0\n`,
    { valid: true, canonical: true, oid: createHash('sha256').digest('hex'), size: 0, extra: [] });

  write('missing-oid.pointer', `version ${V1}\nsize ${size}\n`, invalid("missing 'oid' line"));
  write('missing-size.pointer', `version ${V1}\noid sha256:${oid}\n`, invalid("missing 'size' line"));
  write('bad-hex.pointer', `version ${V1}\noid sha256:${oid.slice(0, 63)}g\nsize ${size}\n`,
    invalid('is not 64 lowercase hex digits'));
  write('short-hex.pointer', `version ${V1}\noid sha256:${oid.slice(0, 40)}\nsize ${size}\n`,
    invalid('is not 64 lowercase hex digits'));
  write('uppercase-hex.pointer', `version ${V1}\noid sha256:${oid.toUpperCase()}\nsize ${size}\n`,
    invalid('oid hex digits must be lowercase'));
  write('sha1-oid.pointer', `version ${V1}\noid sha1:${oid.slice(0, 40)}\nsize ${size}\n`,
    invalid('unsupported oid hash method "sha1"'));
  write('negative-size.pointer', `version ${V1}\noid sha256:${oid}\nsize -${size}\n`,
    invalid('is not a non-negative decimal integer'));
  write('leading-zeros.pointer', `version ${V1}\noid sha256:${oid}\nsize 0${size}\n`, invalid('has leading zeros'));
  write('huge-size.pointer', `version ${V1}\noid sha256:${oid}\nsize 9007199254740992\n`,
    invalid('is larger than 2^53-1'));
  const tooLong = `version ${V1}\nfill ${'x'.repeat(1000)}\noid sha256:${oid}\nsize ${size}\n`;
  write('too-long.pointer', tooLong, invalid(`too long: ${tooLong.length} bytes`));
  write('crlf.pointer', `version ${V1}\r\noid sha256:${oid}\r\nsize ${size}\r\n`, invalid('CRLF'));
  write('duplicate-key.pointer', `version ${V1}\noid sha256:${oid}\nsize ${size}\nsize ${size}\n`,
    invalid('line 4: duplicate key "size"'));
  write('no-final-newline.pointer', `version ${V1}\noid sha256:${oid}\nsize ${size}`,
    invalid('last line does not end with a newline'));
  write('bad-version.pointer', `version https://git-lfs.github.com/spec/v2\noid sha256:${oid}\nsize ${size}\n`,
    invalid('unsupported version "https://git-lfs.github.com/spec/v2"'));
  write('bad-key.pointer', `version ${V1}\nX-Note hi\noid sha256:${oid}\nsize ${size}\n`,
    invalid('line 2: key "X-Note" may only use'));
  write('double-space.pointer', `version ${V1}\noid  sha256:${oid}\nsize ${size}\n`,
    invalid('line 2: more than one space after key "oid"'));
  write('empty-line.pointer', `version ${V1}\n\noid sha256:${oid}\nsize ${size}\n`, invalid('line 2 is empty'));
  write('not-utf8.pointer', Buffer.concat([Buffer.from(`version ${V1}\nnote `), Buffer.from([0xc3, 0x28]),
    Buffer.from(`\noid sha256:${oid}\nsize ${size}\n`)]), invalid('not valid UTF-8'));
  write('not-a-pointer.pointer', Buffer.from('# Model card\n\nThis is a README, not a pointer.\n'),
    invalid("does not start with 'version '"));
  write('empty.pointer', Buffer.alloc(0), invalid('empty'));
  writeFileSync(dir + 'cases.json', `${JSON.stringify(cases, null, 2)}\n`);
}

// ---- xorbs ----
{
  const dir = resetDir('xorbs');
  const golden = Buffer.concat(chunks.map(record));
  // An LZ4 block that decodes to 64 x 'a': literal 'a', match (offset 1, length 58), 5 literals.
  const lz4 = Buffer.from([0x1f, 0x61, 0x01, 0x00, 39, 0x50, 0x61, 0x61, 0x61, 0x61, 0x61]);
  const offset2 = 8 + chunk0.length + 8 + chunk1.length;
  const cases = [
    { file: 'golden.xorb', valid: true, chunks: 3, size: golden.length },
    { file: 'truncated.xorb', valid: false, code: 'bad_xorb',
      message: `truncated chunk record 2 at byte ${offset2}: header says 1000 bytes, 900 remain` },
    { file: 'scheme1.xorb', valid: false, code: 'bad_xorb',
      message: `chunk record 1 at byte ${8 + chunk0.length}: compression scheme 1 (LZ4) is not supported` },
    { file: 'scheme2.xorb', valid: false, code: 'bad_xorb',
      message: 'chunk record 0 at byte 0: compression scheme 2 (byte-grouped LZ4) is not supported' },
    { file: 'unknown-scheme.xorb', valid: false, code: 'bad_xorb', message: 'unknown compression scheme 9' },
    { file: 'bad-version.xorb', valid: false, code: 'bad_xorb', message: 'unsupported record version 1 (expected 0)' },
    { file: 'length-mismatch.xorb', valid: false, code: 'bad_xorb',
      message: 'compressed length 19 but uncompressed length 20' },
    { file: 'oversized-chunk.xorb', valid: false, code: 'bad_xorb',
      message: 'chunk length 131073 exceeds the 131072-byte limit' },
    { file: 'trailing-bytes.xorb', valid: false, code: 'bad_xorb',
      message: `truncated chunk record 3 at byte ${golden.length}: a header needs 8 bytes, 3 remain` },
    { file: 'zero-filled.xorb', valid: false, code: 'bad_xorb', message: 'chunk record 0 at byte 0: empty chunk' },
  ];
  writeFileSync(dir + 'golden.xorb', golden);
  writeFileSync(dir + 'truncated.xorb', golden.subarray(0, golden.length - 100));
  writeFileSync(dir + 'scheme1.xorb', Buffer.concat([record(chunk0), header(0, lz4.length, 1, 64), lz4]));
  writeFileSync(dir + 'scheme2.xorb', Buffer.concat([header(0, lz4.length, 2, 64), lz4]));
  writeFileSync(dir + 'unknown-scheme.xorb', Buffer.concat([header(0, chunk0.length, 9, chunk0.length), chunk0]));
  writeFileSync(dir + 'bad-version.xorb', Buffer.concat([header(1, chunk0.length, 0, chunk0.length), chunk0]));
  writeFileSync(dir + 'length-mismatch.xorb', Buffer.concat([header(0, chunk0.length, 0, 20), chunk0]));
  // The length limit is checked before truncation, so the header alone is enough to trip it.
  writeFileSync(dir + 'oversized-chunk.xorb', Buffer.concat([header(0, 131073, 0, 131073), Buffer.alloc(16, 1)]));
  writeFileSync(dir + 'trailing-bytes.xorb', Buffer.concat([golden, Buffer.from([0, 0, 0])]));
  writeFileSync(dir + 'zero-filled.xorb', Buffer.alloc(64));
  writeFileSync(dir + 'cases.json', `${JSON.stringify(cases, null, 2)}\n`);
}

// ---- manifests ----
{
  const dir = resetDir('manifests');
  // Synthetic Xet hashes (src/formats does not compute or verify them); the oid is real.
  const xorbA = 'a1'.repeat(32);
  const xorbB = 'b2'.repeat(32);
  const xetHash = 'c3'.repeat(32);
  const term = (xorb, chunkStart, chunkEnd, bytes) => ({ xorb, chunkStart, chunkEnd, bytes });
  const canonical = (m) => `${JSON.stringify({ version: m.version, oid: m.oid, size: m.size, xetHash: m.xetHash,
    terms: m.terms.map((t) => ({ xorb: t.xorb, chunkStart: t.chunkStart, chunkEnd: t.chunkEnd, bytes: t.bytes })) })}\n`;
  const golden = { version: 1, oid, size, xetHash, terms: [term(xorbA, 0, 3, size)] };
  const multi = { version: 1, oid, size, xetHash,
    terms: [term(xorbA, 0, 1, chunk0.length), term(xorbB, 7, 8, chunk1.length), term(xorbA, 2, 3, chunk2.length)] };
  const empty = { version: 1, oid: createHash('sha256').digest('hex'), size: 0, xetHash, terms: [] };
  const cases = [];
  const write = (name, text, expect) => {
    writeFileSync(dir + name, text);
    cases.push({ file: name, ...expect });
  };
  const valid = (m, isCanonical) => ({ valid: true, canonical: isCanonical, manifest: m });
  const invalid = (message) => ({ valid: false, code: 'bad_manifest', message });
  const broken = (patch) => canonical({ ...golden, ...patch });
  const brokenTerm = (patch) => canonical({ ...golden, terms: [{ ...golden.terms[0], ...patch }] });

  write('golden.json', canonical(golden), valid(golden, true));
  write('multi-term.json', canonical(multi), valid(multi, true));
  write('empty-file.json', canonical(empty), valid(empty, true));
  write('pretty.json', `${JSON.stringify(golden, null, 2)}\n`, valid(golden, false));

  write('not-json.json', '{"version":1,\n', invalid('not valid JSON'));
  write('not-object.json', '[]\n', invalid('expected a JSON object, got an array'));
  write('bad-version.json', broken({ version: 2 }), invalid('unsupported version 2 (expected 1)'));
  const { oid: _dropped, ...noOid } = golden;
  write('missing-oid.json', `${JSON.stringify(noOid)}\n`, invalid('missing key "oid" in manifest'));
  write('unknown-key.json', `${JSON.stringify({ ...golden, name: 'model.bin' })}\n`,
    invalid('unknown key "name" in manifest'));
  write('uppercase-oid.json', broken({ oid: oid.toUpperCase() }), invalid('oid hex digits must be lowercase'));
  write('sha256-prefixed-oid.json', broken({ oid: `sha256:${oid}` }), invalid('oid "sha256:'));
  write('bad-xet-hash.json', broken({ xetHash: 'c3'.repeat(31) }), invalid('xetHash "'));
  write('bad-xorb-hex.json', brokenTerm({ xorb: 'zz'.repeat(32) }), invalid('terms[0].xorb "zz'));
  write('empty-range.json', brokenTerm({ chunkStart: 3, chunkEnd: 3 }),
    invalid('terms[0].chunkEnd (3) must be greater than chunkStart (3)'));
  write('range-too-long.json', brokenTerm({ chunkStart: 0, chunkEnd: 8193 }),
    invalid('terms[0].chunkEnd is 8193, must be between 1 and 8192'));
  write('bytes-too-small.json', broken({ size: 2, terms: [term(xorbA, 0, 3, 2)] }),
    invalid('terms[0].bytes is 2, must be between 3 and 393216'));
  write('size-mismatch.json', broken({ size: size + 1 }), invalid(`terms hold ${size} bytes but size is ${size + 1}`));
  write('no-terms.json', broken({ terms: [] }), invalid(`size is ${size} but terms is empty`));
  write('terms-for-empty-file.json', canonical({ ...empty, terms: [term(xorbA, 0, 1, 1)] }),
    invalid('size is 0 but terms is not empty'));
  write('negative-size.json', broken({ size: -1 }), invalid('size is -1, must be between 0 and 9007199254740991'));
  write('string-size.json', broken({ size: String(size) }), invalid(`size must be an integer, got "${size}"`));
  write('float-bytes.json', brokenTerm({ bytes: size + 0.5 }), invalid(`terms[0].bytes must be an integer, got ${size + 0.5}`));
  write('term-not-object.json', `${JSON.stringify({ ...golden, terms: [42] })}\n`, invalid('terms[0] must be an object, got 42'));
  writeFileSync(dir + 'cases.json', `${JSON.stringify(cases, null, 2)}\n`);
}

console.log(`fixtures written under ${root} (golden file: ${size} bytes, oid ${oid})`);
