/**
 * A bounded memo for pure functions: parsing the same specifier or testing the same version
 * against it again costs a Map lookup. When full it starts over, so memory stays bounded however
 * many distinct inputs a long-running server sees. `key` names the arguments as one string.
 */
export function memoize<A extends unknown[], R>(fn: (...args: A) => R, key: (...args: A) => string, limit = 20_000): (...args: A) => R {
  let cache = new Map<string, R>();
  return (...args) => {
    const k = key(...args);
    let hit = cache.get(k);
    if (hit === undefined && !cache.has(k)) {
      if (cache.size >= limit) cache = new Map();
      hit = fn(...args);
      cache.set(k, hit);
    }
    return hit as R;
  };
}
