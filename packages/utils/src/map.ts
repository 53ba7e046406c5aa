/**
 * `map.set(key, value)` for a Map used as a bounded, insertion-ordered cache: the key becomes the newest entry (set
 * again, it moves to the end) and the oldest entries are forgotten beyond `max`.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}
