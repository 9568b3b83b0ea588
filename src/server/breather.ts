/**
 * Cooperative yielding for loops on the event loop whose length grows with a request (lines of
 * a commit payload, entries of a tree): `await breather.breathe()` in the loop gives the event
 * loop a turn (setImmediate) once the loop has run `sliceMs` since the last turn, so other
 * requests are served between slices. Cheap when not due: one clock read.
 */

/** Yields to the event loop every `sliceMs` of work. */
export class Breather {
  private last = performance.now();

  constructor(private readonly sliceMs = 10) {}

  /** Resolves at once, or after one turn of the event loop when the slice is used up. */
  async breathe(): Promise<void> {
    if (performance.now() - this.last < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
