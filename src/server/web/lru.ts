/** A map that forgets its least recently used entries beyond a total weight (the caches of the web pages). */
export class Lru<K, V> {
  private readonly map = new Map<K, { value: V; weight: number }>();
  private weight = 0;
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }
  set(key: K, value: V, weight = 1): void {
    const old = this.map.get(key);
    if (old) this.weight -= old.weight;
    this.map.delete(key);
    this.map.set(key, { value, weight });
    this.weight += weight;
    for (const [k, v] of this.map) {
      if (this.weight <= this.capacity || this.map.size === 1) break;
      this.map.delete(k);
      this.weight -= v.weight;
    }
  }
}
