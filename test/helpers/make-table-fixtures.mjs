#!/usr/bin/env node
// Writes the table-diff fixtures into fixtures/diff/tables/<case>/: a.<ext>, b.<ext> and
// args.json ({format, key?, limit}); every byte, the Parquet files included, comes from this
// script and is the same on every run. Run by hand (`node test/helpers/make-table-fixtures.mjs`)
// and commit the output; tests never run it. expected.json is not written here: it is the
// reviewed output of diffTables (see fixtures/diff/tables/README.md), so that the golden test
// compares the code with something a person checked, not with itself.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';

const root = fileURLToPath(new URL('../../fixtures/diff/tables/', import.meta.url));
const made = new Set();

/** Writes one case; `a`/`b` are text or bytes, null for "no file" (an absent side). */
function write(name, ext, a, b, args) {
  const dir = `${root}${name}/`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (a !== null) writeFileSync(`${dir}a.${ext}`, a);
  if (b !== null) writeFileSync(`${dir}b.${ext}`, b);
  writeFileSync(`${dir}args.json`, `${JSON.stringify(args)}\n`);
  made.add(name);
}
const lines = (...rows) => rows.map((r) => `${r}\n`).join('');

// ---- CSV, keyed: added, removed and modified rows ----
write('csv-key-rows', 'csv',
  lines('id,name,score,city', '1,Ann,90,Oslo', '2,Bob,85,Lyon', '3,Cy,70,Rome', '4,Dee,60,Kyiv', '5,Eve,75,Lima'),
  lines('id,name,score,city', '1,Ann,90,Oslo', '2,Bob,88,Lyon', '4,Dee,60,Kiev', '5,Eve,75,Lima', '6,Fay,95,Nice', '7,Gus,40,Bern'),
  { format: 'csv', key: ['id'], limit: 5 });

// ---- CSV, keyed, more changes of each kind than the limit shows ----
write('csv-limit', 'csv',
  lines('id,v', '1,a', '2,b', '3,c', '4,d', '5,e', '6,f'),
  lines('id,v', '1,A', '2,B', '3,C', '4,d', '7,g', '8,h', '9,i'),
  { format: 'csv', key: ['id'], limit: 2 });

// ---- schema changes ----
write('csv-column-added', 'csv',
  lines('id,name', '1,Ann', '2,Bob', '3,Cy'),
  lines('id,name,email', '1,Ann,ann@example.com', '2,Bob,', '4,Dee,dee@example.com'),
  { format: 'csv', limit: 5 });
write('csv-column-removed', 'csv',
  lines('id,name,legacy_code,score', '1,Ann,X1,90', '2,Bob,X2,85', '3,Cy,X3,70'),
  lines('id,name,score', '1,Ann,90', '2,Bob,86', '3,Cy,70'),
  { format: 'csv', key: ['id'], limit: 5 });
write('csv-type-changed', 'csv',
  lines('id,amount,flag,code,note', '1,10,true,100,', '2,20,false,200,', '3,30,TRUE,300,'),
  lines('id,amount,flag,code,note', '1,10.5,true,100,n/a', '2,20,no,200,', '3,30,TRUE,A300,'),
  { format: 'csv', key: ['id'], limit: 5 });
write('csv-reordered', 'csv',
  lines('id,name,score', '1,Ann,90', '2,Bob,85'),
  lines('score,id,name', '90,1,Ann', '85,2,Bob'),
  { format: 'csv', limit: 5 });

// ---- duplicates ----
write('csv-duplicate-rows', 'csv',
  lines('name,score', 'Ann,90', 'Ann,90', 'Bob,85', 'Cy,70', 'Cy,70'),
  lines('name,score', 'Ann,90', 'Bob,85', 'Bob,85', 'Bob,85', 'Cy,70', 'Cy,70'),
  { format: 'csv', limit: 5 });
write('csv-duplicate-keys', 'csv',
  lines('id,name', '1,Ann', '2,Bob', '2,Bobby', '3,Cy', '3,Cy', '3,Cyd'),
  lines('id,name', '1,Ann', '1,Annie', '2,Bob', '3,Cy', '4,Dee', '4,Dee'),
  { format: 'csv', key: ['id'], limit: 5 });

// ---- quoting: commas, newlines, doubled quotes, CRLF line ends in b ----
write('csv-quoted-fields', 'csv',
  lines('id,text,tags', '1,"Hello, world","a,b"', '2,"line one', 'line two",x', '3,"She said ""hi""",y', '4,plain,z'),
  ['id,text,tags', '1,"Hello, world","a,b"', '2,"line one\r\nline two",x', '3,"She said ""bye""",y', '5,"tab\there",w', ''].join('\r\n'),
  { format: 'csv', key: ['id'], limit: 5 });

// ---- empty files ----
write('csv-empty-both', 'csv', '', '', { format: 'csv', limit: 5 });
write('csv-empty-a', 'csv', '', lines('id,name', '1,Ann', '2,Bob'), { format: 'csv', key: ['id'], limit: 5 });
write('csv-header-only-b', 'csv', lines('id,name', '1,Ann', '2,Bob'), lines('id,name'), { format: 'csv', key: ['id'], limit: 5 });
write('csv-absent-a', 'csv', null, lines('id,name', '1,Ann'), { format: 'csv', limit: 5 });

// ---- unicode: BOM in a only, accents, emoji, CJK, right-to-left ----
write('csv-unicode', 'csv',
  `\ufeff${lines('id,名前,city', '1,José,São Paulo', '2,李雷,北京', '3,Zoë 🎉,Zürich', '4,שלום,Tel Aviv')}`,
  lines('id,名前,city', '1,José,São Paulo', '2,李雷,上海', '3,Zoë 🎊,Zürich', '5,Ørjan,Tromsø'),
  { format: 'csv', key: ['id'], limit: 5 });

// ---- TSV ----
write('tsv-key-rows', 'tsv',
  lines('id\tname\tnote', '1\tAnn\tcomma, inside', '2\tBob\t"quoted\ttab"', '3\tCy\tplain'),
  lines('id\tname\tnote', '1\tAnn\tcomma, inside', '2\tBob\t"quoted\ttab, changed"', '4\tDee\tnew'),
  { format: 'tsv', key: ['id'], limit: 5 });

// ---- JSON Lines: key union in first-seen order, missing keys, nested values, 1 vs 1.0 ----
write('jsonl-key-rows', 'jsonl',
  lines(
    '{"id":1,"name":"Ann","score":90,"meta":{"a":1,"b":2}}',
    '{"id":2,"name":"Bob","score":85.5}',
    '',
    '{"id":3,"name":"Cy","score":70,"tags":["x","y"]}',
    '{"id":4,"name":"Dee","score":60}',
  ),
  lines(
    '{"id":1,"score":90.0,"name":"Ann","meta":{"b":2,"a":1}}',
    '{"id":2,"name":"Bob","score":85.5,"active":true}',
    '{"id":3,"name":"Cy","score":71,"tags":["x","z"]}',
    '{"id":5,"name":"Eve","score":null}',
  ).trimEnd(),
  { format: 'jsonl', key: ['id'], limit: 5 });

// ---- Parquet: several row groups, a column added, a type changed, a null ----
function parquet(columnData) {
  return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 2, statistics: false, createdBy: 'hub fixtures' }));
}
const parquetA = parquet([
  { name: 'id', data: [1, 2, 3, 4, 5], type: 'INT32' },
  { name: 'name', data: ['Ann', 'Bob', 'Cy', 'Dee', 'Eve'], type: 'STRING' },
  { name: 'score', data: [90.5, 85, 70.25, null, 75], type: 'DOUBLE' },
  { name: 'code', data: [100, 200, 300, 400, 500], type: 'INT32' },
]);
const parquetB = parquet([
  { name: 'id', data: [1, 2, 4, 5, 6], type: 'INT32' },
  { name: 'name', data: ['Ann', 'Bobby', 'Dee', 'Eve', 'Fay'], type: 'STRING' },
  { name: 'score', data: [90.5, 85, 61, 75, 99], type: 'DOUBLE' },
  { name: 'code', data: ['100', '200', '400', '500', '600'], type: 'STRING' },
  { name: 'active', data: [true, false, true, true, false], type: 'BOOLEAN' },
]);
write('parquet-key-rows', 'parquet', parquetA, parquetB, { format: 'parquet', key: ['id'], limit: 5 });

// ---- malformed inputs: each must fail with one line naming the file ----
write('csv-unbalanced-quote', 'csv',
  lines('id,name', '1,Ann', '2,"Bob', '3,Cy'),
  lines('id,name', '1,Ann'),
  { format: 'csv', limit: 5 });
write('csv-ragged-row', 'csv', lines('id,name', '1,Ann'), lines('id,name', '1,Ann', '2,Bob,extra'), { format: 'csv', limit: 5 });
write('csv-missing-key', 'csv', lines('id,name', '1,Ann'), lines('ident,name', '1,Ann'), { format: 'csv', key: ['id'], limit: 5 });
write('jsonl-invalid-line', 'jsonl',
  lines('{"id":1}', '{"id":2}'),
  lines('{"id":1}', '{"id":2', '{"id":3}'),
  { format: 'jsonl', limit: 5 });
const corrupt = parquetA.slice();
corrupt.set(new TextEncoder().encode('PARX'), corrupt.length - 4);
write('parquet-corrupt-footer', 'parquet', corrupt, parquetB, { format: 'parquet', limit: 5 });

for (const entry of readdirSync(root, { withFileTypes: true })) {
  if (entry.isDirectory() && !made.has(entry.name)) console.warn(`stale fixture folder (not written by this script): ${entry.name}`);
}
console.log(`wrote ${made.size} cases into ${root}`);
