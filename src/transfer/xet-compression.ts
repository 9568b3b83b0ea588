/**
 * HUB_XET_COMPRESSION, the compression of uploaded Xet xorbs. Its own module, with no import
 * beyond errors, so that checking the environment when a command starts (core/environment.ts)
 * does not load the LZ4 and BLAKE3 code for commands that upload nothing.
 */
import { UsageError } from '../errors.js';

/** How xorbs are compressed for upload: `auto` measures each (HUB_XET_COMPRESSION). */
export type XetCompression = 'auto' | 'none' | 'lz4' | 'bg4-lz4';

/** HUB_XET_COMPRESSION (`auto`, `none`, `lz4`, `bg4-lz4`; default `auto`); anything else is a usage error. */
export function xetCompressionFrom(env: NodeJS.ProcessEnv): XetCompression {
  const raw = env.HUB_XET_COMPRESSION;
  if (raw === undefined || raw === '') return 'auto';
  if (raw === 'auto' || raw === 'none' || raw === 'lz4' || raw === 'bg4-lz4') return raw;
  throw new UsageError(`HUB_XET_COMPRESSION must be auto, none, lz4 or bg4-lz4, not '${raw}'`, { data: { variable: 'HUB_XET_COMPRESSION', value: raw } }, 'bad_environment');
}

