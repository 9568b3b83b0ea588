/**
 * Streaming statistics of a - b over two float tensors, fed piece by piece: sums in float64,
 * so memory stays constant whatever the tensor size. Pairs with a NaN or ±Infinity are counted
 * apart and left out (one of them would make every statistic NaN, which JSON cannot carry).
 */
import type { TensorStats } from './tensor-diff-types.js';

/** Accumulates {@link TensorStats} over aligned pieces of decoded values. */
export class StatsAccumulator {
  private elements = 0;
  private changed = 0;
  private nonFinite = 0;
  private max = 0;
  private sumAbs = 0;
  private sumD2 = 0;
  private sumA2 = 0;
  private sumB2 = 0;
  private sumAB = 0;

  /** Adds the pairs (a[i], b[i]) for every i of `a` (b is at least as long). */
  add(a: Float32Array | Float64Array, b: Float32Array | Float64Array): void {
    let { elements, changed, nonFinite, max, sumAbs, sumD2, sumA2, sumB2, sumAB } = this;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      const d = x - y;
      // x - x is NaN exactly when x is NaN or ±Infinity
      if (x - x !== 0 || y - y !== 0) {
        nonFinite++;
        continue;
      }
      elements++;
      const ad = d < 0 ? -d : d;
      if (ad !== 0) changed++;
      if (ad > max) max = ad;
      sumAbs += ad;
      sumD2 += d * d;
      sumA2 += x * x;
      sumB2 += y * y;
      sumAB += x * y;
    }
    Object.assign(this, { elements, changed, nonFinite, max, sumAbs, sumD2, sumA2, sumB2, sumAB });
  }

  /** The statistics of everything added. */
  result(): TensorStats {
    const n = this.elements;
    const normA = Math.sqrt(this.sumA2);
    const normB = Math.sqrt(this.sumB2);
    const relL2 = normA > 0 ? finiteOrNull(Math.sqrt(this.sumD2) / normA) : null;
    const cos = normA > 0 && normB > 0 ? finiteOrNull(this.sumAB / normA / normB) : null;
    return {
      maxAbsDiff: n > 0 ? finiteOrNull(this.max) : null,
      meanAbsDiff: n > 0 ? finiteOrNull(this.sumAbs / n) : null,
      relL2,
      cosine: cos === null ? null : Math.min(1, Math.max(-1, cos)),
      elements: n,
      changedElements: this.changed,
      nonFinite: this.nonFinite,
    };
  }
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
