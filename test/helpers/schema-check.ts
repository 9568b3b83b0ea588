/**
 * Validates documents against the JSON Schemas in docs/schemas with Ajv (draft 2020-12, strict:
 * an unknown keyword in a schema is an error, so a schema cannot carry a constraint that is
 * silently ignored). Schemas may `$ref` each other by file name (e.g. `diff-tensors.schema.json`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { repoRoot } from './paths.js';

/** A JSON Schema object. */
export type Schema = Record<string, unknown>;

const schemaDir = join(repoRoot, 'docs', 'schemas');
const ajv = new Ajv2020({ strict: true, allErrors: true });
for (const name of readdirSync(schemaDir).filter((n) => n.endsWith('.schema.json'))) {
  ajv.addSchema({ ...JSON.parse(readFileSync(join(schemaDir, name), 'utf8')), $id: name });
}
const compiled = new WeakMap<Schema, ValidateFunction>();

/** Every way `value` breaks `schema`, as `path: problem` strings; empty when it conforms. */
export function checkSchema(schema: Schema, value: unknown): string[] {
  let validate = compiled.get(schema);
  if (!validate) {
    const { $id: _id, ...rest } = schema;
    compiled.set(schema, (validate = ajv.compile(rest)));
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `$${e.instancePath.replace(/\//g, '.')}: ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

/** Checks `value` against docs/schemas/<name>.schema.json. */
export function checkNamedSchema(name: string, value: unknown): string[] {
  const validate = ajv.getSchema(`${name}.schema.json`);
  if (!validate) throw new Error(`no schema docs/schemas/${name}.schema.json`);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `$${e.instancePath.replace(/\//g, '.')}: ${e.message ?? 'invalid'}`);
}
