import { describe, it, expect } from 'vitest';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { serializeManifest, type FileManifest } from '../../../src/formats/manifest.js';
import { fixtureCases, readFixture } from './fixtures.js';
import { checkSchema, type Schema } from '../../helpers/schema-check.js';

const schemaText = readFileSync(new URL('../../../docs/schemas/manifest.schema.json', import.meta.url), 'utf8');
const schema = JSON.parse(schemaText) as Schema;
const doc = readFileSync(new URL('../../../docs/formats.md', import.meta.url), 'utf8');
const cases = fixtureCases('manifests');
const parseFixture = (file: string): unknown => JSON.parse(Buffer.from(readFixture('manifests', file)).toString('utf8'));

// Broken fixtures that only the codec's extra rules catch (docs/formats.md §4, "Rules beyond the schema").
const SEMANTIC_ONLY = new Set([
  'empty-range.json',
  'bytes-too-small.json',
  'size-mismatch.json',
  'no-terms.json',
  'terms-for-empty-file.json',
]);

describe('docs/schemas/manifest.schema.json', () => {
  it('is the same schema as the one printed in docs/formats.md', () => {
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]) as unknown);
    expect(blocks).toContainEqual(schema);
  });

  it('docs/formats.md shows the golden manifest as its example', () => {
    expect(doc).toContain(Buffer.from(readFixture('manifests', 'golden.json')).toString('utf8'));
  });

  it('lists the keys in the order serializeManifest writes them, all required', () => {
    const m: FileManifest = { version: 1, oid: 'a'.repeat(64), size: 1, xetHash: 'b'.repeat(64), terms: [{ xorb: 'c'.repeat(64), chunkStart: 0, chunkEnd: 1, bytes: 1 }] };
    const written = JSON.parse(serializeManifest(m)) as FileManifest;
    expect(schema.required).toEqual(Object.keys(written));
    expect(Object.keys(schema.properties as object)).toEqual(Object.keys(written));
    const termSchema = (schema.properties as Record<string, Schema>).terms.items as Schema;
    expect(termSchema.required).toEqual(Object.keys(written.terms[0]));
    expect(Object.keys(termSchema.properties as object)).toEqual(Object.keys(written.terms[0]));
  });

  it.each(cases.filter((c) => c.valid).map((c) => [c.file] as const))('accepts valid fixture %s', (file) => {
    expect(checkSchema(schema, parseFixture(file))).toEqual([]);
  });

  it.each(cases.filter((c) => !c.valid && c.file !== 'not-json.json').map((c) => [c.file] as const))(
    'matches the codec on broken fixture %s (rejects it unless only a rule beyond the schema applies)',
    (file) => {
      const errors = checkSchema(schema, parseFixture(file));
      if (SEMANTIC_ONLY.has(file)) expect(errors).toEqual([]);
      else expect(errors).not.toEqual([]);
    },
  );

  it('refuses unknown schema keywords (a misspelt constraint is an error, not silently ignored)', () => {
    expect(() => checkSchema({ type: 'string', minLenght: 1 }, 'x')).toThrow('minLenght');
    expect(checkSchema({ type: 'string', minLength: 2 }, 'x')).not.toEqual([]);
  });
});
