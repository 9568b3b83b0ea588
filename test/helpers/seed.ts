// Randomised tests take a printed seed: SEED=N reruns one exactly.

/** The seed for this run (SEED env, else time-based), printed with `label`. */
export function testSeed(label: string): number {
  const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
  console.log(`${label}: seed=${seed} (rerun with SEED=${seed})`);
  return seed;
}

/** A small deterministic generator of floats in [0, 1) (an LCG; not for anything but tests). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}
