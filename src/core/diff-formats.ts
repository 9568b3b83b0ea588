/** Placeholder while the tensor and table modules land (not committed in this state). */
import type { ByteSource } from '../diff/byte-source.js';
import { UsageError } from '../errors.js';
import type { Side } from './diff-sides.js';

export async function diffTensorsOf(_format: string, _a: ByteSource | undefined, _b: ByteSource | undefined, _o: { stats: boolean; limit: number }, _path: string, _A: Side, _B: Side): Promise<unknown> {
  throw new UsageError('tensor diff not wired yet', {}, 'todo');
}
export async function diffTableOf(_format: string, _a: ByteSource | undefined, _b: ByteSource | undefined, _o: { key?: string[]; limit: number }): Promise<unknown> {
  throw new UsageError('table diff not wired yet', {}, 'todo');
}
