/** Seeded random bytes and normals for the Xet format tests (the seed is printed; SEED=N reruns). */
import { seededRandom as lcg, testSeed } from '../../helpers/seed.js';

/** Random helpers drawn from one printed seed. */
export function seededRandom(label = 'xet formats'): {
  seed: number;
  rand: { bytes(n: number): Uint8Array; normal(): number; int(n: number): number };
} {
  const seed = testSeed(label);
  const next = lcg(seed);
  return {
    seed,
    rand: {
      bytes: (n) => Uint8Array.from({ length: n }, () => (next() * 256) | 0),
      normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
      int: (n) => Math.floor(next() * n),
    },
  };
}
