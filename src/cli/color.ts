/**
 * Whether hub colours what it writes to a stream, decided from the run's environment (not the
 * process's, so tests and embedders can pass their own) and whether the stream is a terminal:
 *
 * 1. FORCE_COLOR set: `0` or `false` turns colour off, `2` and `3` ask for 256 and 16 million
 *    colours, anything else (also empty) for basic colours, on a terminal or not. It wins over
 *    NO_COLOR, as in Node.js itself ("NO_COLOR ... ignored when FORCE_COLOR is set").
 * 2. NO_COLOR set to anything but the empty string: no colour (no-color.org).
 * 3. TERM=dumb: no colour.
 * 4. Otherwise colour exactly when the stream is a terminal.
 */
import { Chalk, type ChalkInstance } from 'chalk';

/** chalk's colour levels: none, 16, 256, 16 million colours. */
export type ColorLevel = 0 | 1 | 2 | 3;

/** The colour level for a stream; see the module comment. */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean): ColorLevel {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force.toLowerCase() === 'false') return 0;
    if (force === '2' || force === '3') return Number(force) as ColorLevel;
    return 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.TERM === 'dumb') return 0;
  return isTTY ? 1 : 0;
}

/** A chalk for a stream: it paints only when colorLevel says so. */
export function colorsFor(env: NodeJS.ProcessEnv, isTTY: boolean): ChalkInstance {
  return new Chalk({ level: colorLevel(env, isTTY) });
}
