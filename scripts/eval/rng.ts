import { createHash } from 'node:crypto';

/** A deterministic pseudo-random source: `next()` in [0, 1), `int(n)` in [0, n), `pick(list)`. */
export interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
}

/**
 * A seeded generator (mulberry32) keyed by a string, e.g. `${rowId}/${technique}`: the same row and
 * technique always give the same variant, and different techniques draw independently.
 */
export function seededRng(key: string): Rng {
  let state = createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick<T>(list: readonly T[]): T {
      if (list.length === 0) throw new Error('pick from an empty list');
      return list[int(list.length)] as T;
    },
  };
}
