/** Loads the format fixtures of fixtures/{pointers,manifests,xorbs} and their cases.json tables. */
import { readFileSync, readdirSync } from 'node:fs';

/** One row of a fixtures cases.json: a file and what the codec must make of it. */
export interface FixtureCase {
  file: string;
  valid: boolean;
  canonical?: boolean;
  code?: string;
  message?: string;
  [key: string]: unknown;
}

const NOT_FIXTURES = new Set(['README.md', 'cases.json', '.gitattributes']);

/** The absolute path of the fixture folder `dir` (pointers, manifests or xorbs). */
export function fixtureDir(dir: string): URL {
  return new URL(`../../../fixtures/${dir}/`, import.meta.url);
}

/** The bytes of fixture `file` in `dir`. */
export function readFixture(dir: string, file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(file, fixtureDir(dir))));
}

/** The cases.json table of `dir`. */
export function fixtureCases(dir: string): FixtureCase[] {
  return JSON.parse(readFileSync(new URL('cases.json', fixtureDir(dir)), 'utf8')) as FixtureCase[];
}

/** Every fixture file in `dir` (not README.md, cases.json or .gitattributes), sorted. */
export function fixtureFiles(dir: string): string[] {
  return readdirSync(fixtureDir(dir)).filter((f) => !NOT_FIXTURES.has(f)).sort();
}

/** Runs `fn` and returns what it threw; fails when it returns normally. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw, but it returned');
}
