/**
 * A bounded memo for pure functions of strings: parsing the same specifier or testing the same
 * version against it again costs a Map lookup. When full it starts over, so memory stays bounded
 * however many distinct inputs a long-running server sees.
 */
export function memoize<R>(fn: (key: string) => R, limit = 20_000): (key: string) => R {
  let cache = new Map<string, R>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined && !cache.has(key)) {
      if (cache.size >= limit) cache = new Map();
      hit = fn(key);
      cache.set(key, hit);
    }
    return hit as R;
  };
}
