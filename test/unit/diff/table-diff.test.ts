/**
 * diffTables: golden fixtures (fixtures/diff/tables), multiset, key and limit semantics, errors,
 * and a randomized comparison with a naive computation. UPDATE_GOLDEN=1 rewrites expected.json
 * (then review the git diff by hand: the goldens are only worth what that review is worth).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError, HubError, NotFoundError, UsageError } from '../../../src/errors.js';
import { bufferSource } from '../../../src/diff/byte-source.js';
import { diffTables, type TableDiff } from '../../../src/diff/table-diff.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { choppedSource, tableCases, textSource } from './table-sources.js';

/** What a case yields: the diff, or the error as code, exit code and message. */
async function outcome(run: () => Promise<TableDiff>): Promise<unknown> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof HubError)) throw err;
    return { error: { code: err.code, exitCode: err.exitCode, message: err.message } };
  }
}

describe('table diff fixtures', () => {
  const cases = tableCases();
  it('has the cases the issue asks for', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s matches expected.json', async (_name, c) => {
    const got = await outcome(() => diffTables(c.a, c.b, c.args));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(c.expectedPath, `${JSON.stringify(got, null, 2)}\n`);
    expect(existsSync(c.expectedPath)).toBe(true);
    expect(got).toEqual(JSON.parse(readFileSync(c.expectedPath, 'utf8')));
  });

  // Parquet is read by range, not streamed: only the streamed formats are cut into pieces
  const streamed = tableCases((name, bytes) => choppedSource(name, bytes)).filter((c) => c.args.format !== 'parquet');
  it.each(streamed.map((c) => [c.name, c] as const))(
    '%s gives the same result when read in pieces of 1-7 bytes',
    async (_name, c) => {
      const got = await outcome(() => diffTables(c.a, c.b, c.args));
      expect(got).toEqual(JSON.parse(readFileSync(c.expectedPath, 'utf8')));
    },
  );
});

const csv = (name: string, ...rows: string[]) => textSource(name, rows.map((r) => `${r}\n`).join(''));
const jsonl = (name: string, ...rows: unknown[]) => textSource(name, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));

describe('multiset semantics (no key)', () => {
  it('counts duplicates: twice in A and once in B is one removed row, the later one', async () => {
    const d = await diffTables(csv('a.csv', 'x,y', '1,2', '1,2', '3,4'), csv('b.csv', 'x,y', '1,2', '3,4'), { format: 'csv', limit: 10 });
    expect(d.removed).toEqual({ count: 1, examples: [{ row: 2, values: { x: '1', y: '2' } }] });
    expect(d.added.count).toBe(0);
    expect(d.unchanged).toBe(2);
  });

  it('ignores row order and column order', async () => {
    const d = await diffTables(csv('a.csv', 'x,y', '1,2', '3,4', '3,4'), csv('b.csv', 'y,x', '4,3', '2,1', '4,3'), { format: 'csv', limit: 10 });
    expect(d.added.count + d.removed.count).toBe(0);
    expect(d.schema.reordered).toBe(true);
    expect(d.identical).toBe(false); // the column order is a change
  });

  it('says identical for identical inputs, duplicates included', async () => {
    const d = await diffTables(csv('a.csv', 'x', '1', '1'), csv('b.csv', 'x', '1', '1'), { format: 'csv', limit: 10 });
    expect(d.identical).toBe(true);
    expect(d.unchanged).toBe(2);
  });

  it('compares on the common columns, so an added column changes no row', async () => {
    const d = await diffTables(csv('a.csv', 'x', '1', '2'), csv('b.csv', 'x,z', '1,a', '2,b'), { format: 'csv', limit: 10 });
    expect(d.comparedColumns).toEqual(['x']);
    expect(d.added.count + d.removed.count).toBe(0);
    expect(d.schema.added).toEqual([{ name: 'z', type: 'string' }]);
  });

  it('compares whole rows when the files share no column: every row differs', async () => {
    const d = await diffTables(csv('a.csv', 'x', '1'), csv('b.csv', 'y', '1'), { format: 'csv', limit: 10 });
    expect(d.comparedColumns).toEqual(['x', 'y']);
    expect([d.removed.count, d.added.count]).toEqual([1, 1]);
  });

  it('compares JSON Lines cells as JSON values: "1" differs from 1, 2.0 equals 2', async () => {
    const d = await diffTables(textSource('a.jsonl', '{"v":1}\n{"v":2.0}\n'), textSource('b.jsonl', '{"v":"1"}\n{"v":2}\n'), { format: 'jsonl', limit: 10 });
    expect([d.removed.count, d.added.count, d.unchanged]).toEqual([1, 1, 1]);
  });
});

describe('key semantics', () => {
  it('pairs by a composite key and lists only the cells that changed', async () => {
    const a = csv('a.csv', 'k1,k2,v,w', 'a,1,x,p', 'a,2,y,q', 'b,1,z,r');
    const b = csv('b.csv', 'k1,k2,v,w', 'b,1,z,R', 'a,2,y,q', 'a,1,X,p');
    const d = await diffTables(a, b, { format: 'csv', key: ['k1', 'k2'], limit: 10 });
    expect(d.modified?.count).toBe(2);
    expect(d.modified?.examples).toEqual([
      { key: { k1: 'b', k2: '1' }, rowA: 3, rowB: 1, cells: [{ column: 'w', a: 'r', b: 'R' }] },
      { key: { k1: 'a', k2: '1' }, rowA: 1, rowB: 3, cells: [{ column: 'v', a: 'x', b: 'X' }] },
    ]);
    expect([d.added.count, d.removed.count, d.unchanged]).toEqual([0, 0, 1]);
  });

  it('reports keys only in A as removed and only in B as added', async () => {
    const d = await diffTables(csv('a.csv', 'id,v', '1,a', '2,b'), csv('b.csv', 'id,v', '2,b', '3,c'), { format: 'csv', key: ['id'], limit: 10 });
    expect(d.removed.examples).toEqual([{ row: 1, values: { id: '1', v: 'a' } }]);
    expect(d.added.examples).toEqual([{ row: 2, values: { id: '3', v: 'c' } }]);
    expect(d.modified?.count).toBe(0);
  });

  it('pairs rows of a duplicated key in file order and warns per side', async () => {
    const a = csv('a.csv', 'id,v', '1,a', '1,b', '1,c');
    const b = csv('b.csv', 'id,v', '1,a', '1,B');
    const d = await diffTables(a, b, { format: 'csv', key: ['id'], limit: 10 });
    expect(d.modified?.examples.map((m) => [m.rowA, m.rowB])).toEqual([[2, 2]]);
    expect(d.removed.examples.map((r) => r.row)).toEqual([3]);
    expect(d.duplicateKeys).toEqual({
      a: { count: 1, examples: [{ key: { id: '1' }, occurrences: 3 }] },
      b: { count: 1, examples: [{ key: { id: '1' }, occurrences: 2 }] },
    });
  });

  it('does not compare columns only one side has', async () => {
    const d = await diffTables(csv('a.csv', 'id,old', '1,x'), csv('b.csv', 'id,new', '1,y'), { format: 'csv', key: ['id'], limit: 10 });
    expect(d.comparedColumns).toEqual([]);
    expect(d.unchanged).toBe(1);
  });

  it('fails with one line naming the file that lacks a key column', async () => {
    const run = diffTables(csv('data.csv@HEAD', 'id,v', '1,a'), csv('data.csv', 'v', 'a'), { format: 'csv', key: ['id'], limit: 10 });
    await expect(run).rejects.toThrow(FormatError);
    await expect(run).rejects.toThrow(/^data\.csv: key column "id" not found \(columns: v\)$/);
  });
});

describe('limit semantics', () => {
  const a = csv('a.csv', 'id,v', ...Array.from({ length: 20 }, (_, i) => `${i},a${i}`));
  const b = csv('b.csv', 'id,v', ...Array.from({ length: 20 }, (_, i) => (i % 2 ? `${i},b${i}` : `${i + 100},a${i}`)));

  it('keeps exact counts and no examples with limit 0', async () => {
    const d = await diffTables(a, b, { format: 'csv', key: ['id'], limit: 0 });
    expect([d.added.count, d.removed.count, d.modified?.count]).toEqual([10, 10, 10]);
    expect([d.added.examples, d.removed.examples, d.modified?.examples]).toEqual([[], [], []]);
  });

  it('keeps the first N of each list in file order', async () => {
    const d = await diffTables(a, b, { format: 'csv', key: ['id'], limit: 3 });
    expect(d.removed.examples.map((r) => r.values.id)).toEqual(['0', '2', '4']);
    expect(d.added.examples.map((r) => r.values.id)).toEqual(['100', '102', '104']);
    expect(d.modified?.examples.map((m) => m.key.id)).toEqual(['1', '3', '5']);
  });

  it('holds every example when the limit is larger than the counts', async () => {
    const d = await diffTables(a, b, { format: 'csv', key: ['id'], limit: 1000 });
    expect([d.added.examples.length, d.removed.examples.length, d.modified?.examples.length]).toEqual([10, 10, 10]);
  });

  it('rejects a negative or fractional limit as a usage error', async () => {
    await expect(diffTables(a, b, { format: 'csv', limit: -1 })).rejects.toThrow(UsageError);
    await expect(diffTables(a, b, { format: 'csv', limit: 1.5 })).rejects.toThrow(UsageError);
  });
});

describe('bad input', () => {
  const oneLine = async (run: Promise<unknown>, file: string, problem: RegExp): Promise<void> => {
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FormatError);
    const message = (err as FormatError).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith(`${file}: `)).toBe(true);
    expect(message).toMatch(problem);
    expect((err as FormatError).exitCode).toBe(1);
  };

  it('an unbalanced quote in CSV', async () => {
    await oneLine(diffTables(csv('ok.csv', 'a', '1'), textSource('bad.csv', 'a,b\n1,"x\n2,y\n'), { format: 'csv', limit: 5 }), 'bad.csv', /unbalanced quote.*data row 1/);
  });

  it('an invalid JSON line, with its line number (blank lines counted)', async () => {
    const bad = textSource('bad.jsonl', '{"a":1}\n\n{"a":\n');
    await oneLine(diffTables(bad, undefined, { format: 'jsonl', limit: 5 }), 'bad.jsonl', /invalid JSON on line 3/);
  });

  it('a JSON line that is not an object', async () => {
    await oneLine(diffTables(textSource('arr.jsonl', '{"a":1}\n[1,2]\n'), undefined, { format: 'jsonl', limit: 5 }), 'arr.jsonl', /line 2 is not a JSON object/);
  });

  it('a corrupt Parquet footer', async () => {
    const junk = new TextEncoder().encode('this is not parquet at all');
    await oneLine(diffTables(undefined, bufferSource('x.parquet', junk), { format: 'parquet', limit: 5 }), 'x.parquet', /corrupt Parquet footer/);
  });

  it('passes a read error of the source through unchanged', async () => {
    const failing = { ...csv('gone.csv', 'a', '1'), stream: async function* (): AsyncGenerator<Uint8Array> { throw new NotFoundError('object not found: gone.csv'); } };
    await expect(diffTables(failing, undefined, { format: 'csv', limit: 5 })).rejects.toThrow(NotFoundError);
  });
});

describe('passes over the sources', () => {
  /** A source that counts stream() calls and the bytes they handed out, and read() calls. */
  function counted(name: string, text: string) {
    const base = textSource(name, text);
    const stats = { streams: 0, streamed: 0, reads: 0 };
    const source = {
      ...base,
      read: (s: number, e: number) => (stats.reads++, base.read(s, e)),
      stream: async function* () {
        stats.streams++;
        for await (const piece of choppedSource(name, new TextEncoder().encode(text), 64).stream()) {
          stats.streamed += piece.length;
          yield piece;
        }
      },
    };
    return { source, stats };
  }
  const body = Array.from({ length: 2000 }, (_, i) => `${i},value ${i}`);

  it('streams CSV (never random reads) and stops the third pass once its examples are found', async () => {
    const a = counted('a.csv', ['id,v', '0,changed', ...body.slice(1)].map((r) => `${r}\n`).join(''));
    const b = counted('b.csv', ['id,v', ...body.slice(1)].map((r) => `${r}\n`).join(''));
    const d = await diffTables(a.source, b.source, { format: 'csv', key: ['id'], limit: 1 });
    expect(d.removed.count).toBe(1);
    expect(a.stats.reads + b.stats.reads).toBe(0);
    // header, full pass, and a third pass that ends near the start
    expect(a.stats.streams).toBe(3);
    expect(a.stats.streamed).toBeLessThan(a.source.size * 2 + 64 * 1024);
    expect(b.stats.streams).toBe(2); // header and one full pass: nothing more is needed from B
  });

  it('makes no third pass when nothing was removed or modified', async () => {
    const text = ['id,v', ...body].map((r) => `${r}\n`).join('');
    const a = counted('a.csv', text);
    const d = await diffTables(a.source, counted('b.csv', `${text}9999,new\n`).source, { format: 'csv', key: ['id'], limit: 5 });
    expect(d.added.count).toBe(1);
    expect(a.stats.streams).toBe(2);
  });
});

/** Counts computed the obvious way, holding everything in memory. */
function naiveDiff(a: string[][], b: string[][], keyCol: number | undefined) {
  if (keyCol === undefined) {
    const left = new Map<string, number>();
    for (const r of a) left.set(JSON.stringify(r), (left.get(JSON.stringify(r)) ?? 0) + 1);
    let added = 0;
    for (const r of b) {
      const k = JSON.stringify(r);
      const n = left.get(k) ?? 0;
      if (n > 0) left.set(k, n - 1);
      else added++;
    }
    const removed = [...left.values()].reduce((s, n) => s + n, 0);
    return { added, removed, modified: 0, unchanged: a.length - removed, dupA: 0, dupB: 0 };
  }
  const group = (rows: string[][]) => {
    const m = new Map<string, string[][]>();
    for (const r of rows) m.set(r[keyCol], [...(m.get(r[keyCol]) ?? []), r]);
    return m;
  };
  const ga = group(a);
  const gb = group(b);
  let added = 0;
  let removed = 0;
  let modified = 0;
  let unchanged = 0;
  for (const key of new Set([...ga.keys(), ...gb.keys()])) {
    const ra = ga.get(key) ?? [];
    const rb = gb.get(key) ?? [];
    for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
      if (JSON.stringify(ra[i]) === JSON.stringify(rb[i])) unchanged++;
      else modified++;
    }
    removed += Math.max(0, ra.length - rb.length);
    added += Math.max(0, rb.length - ra.length);
  }
  const dups = (g: Map<string, string[][]>) => [...g.values()].filter((rows) => rows.length > 1).length;
  return { added, removed, modified, unchanged, dupA: dups(ga), dupB: dups(gb) };
}

describe('randomized against a naive computation', () => {
  it('agrees on every count for random tables with many duplicates', async () => {
    const seed = testSeed('table-diff random');
    const rand = seededRandom(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const cellValues = ['a', 'b', 'c', '', 'x,y', 'q"uote', 'line\nbreak', 'é', '1'];
    for (let round = 0; round < 60; round++) {
      const width = 1 + Math.floor(rand() * 3);
      const makeRow = () => Array.from({ length: width }, (_, c) => (c === 0 ? String(Math.floor(rand() * 12)) : pick(cellValues)));
      const a = Array.from({ length: Math.floor(rand() * 40) }, makeRow);
      const b = a.filter(() => rand() > 0.2).map((r) => (rand() < 0.2 ? makeRow() : r));
      for (let i = Math.floor(rand() * 8); i > 0; i--) b.splice(Math.floor(rand() * (b.length + 1)), 0, makeRow());
      const header = Array.from({ length: width }, (_, c) => `c${c}`);
      const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
      const toCsv = (rows: string[][]) => [header, ...rows].map((r) => `${r.map(quote).join(',')}\n`).join('');
      const toJsonl = (rows: string[][]) => rows.map((r) => `${JSON.stringify(Object.fromEntries(r.map((v, c) => [`c${c}`, v])))}\n`).join('');
      const keyed = rand() < 0.5;
      const want = naiveDiff(a, b, keyed ? 0 : undefined);
      for (const format of ['csv', 'jsonl'] as const) {
        const text = format === 'csv' ? toCsv : toJsonl;
        const d = await diffTables(textSource(`a.${format}`, text(a)), textSource(`b.${format}`, text(b)), { format, key: keyed ? ['c0'] : undefined, limit: 3 });
        const got = { added: d.added.count, removed: d.removed.count, modified: d.modified?.count ?? 0, unchanged: d.unchanged, dupA: d.duplicateKeys?.a.count ?? 0, dupB: d.duplicateKeys?.b.count ?? 0 };
        expect(got, `seed ${seed} round ${round} ${format}${keyed ? ' keyed' : ''}`).toEqual(want);
        expect(d.rows).toEqual({ a: a.length, b: b.length });
        expect(d.added.examples.length).toBe(Math.min(3, want.added));
        expect(d.removed.examples.length).toBe(Math.min(3, want.removed));
      }
    }
  });
});
