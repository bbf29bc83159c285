/**
 * Deterministic randomness addressed by (seed, index, salt). Every cluster can be regenerated on
 * its own from its index, which is what lets the simulator serve a 50,000-cluster fleet page by
 * page without ever holding the fleet in memory.
 */

/** 32-bit avalanche mix (murmur3 finaliser) of several integers. */
export function hash32(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h ^= part >>> 0;
    h = Math.imul(h, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    h = Math.imul(h, 0x297a2d39);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** FNV-1a of a string, for hashing query text and scopes into tokens. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(table: readonly (readonly [T, number])[]): T;
}

/** mulberry32: tiny, fast and good enough for synthetic data. */
export function rng(seed: number, index: number, salt: number): Rng {
  let state = hash32(seed, index, salt);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p) => next() < p,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    weighted: (table) => {
      const total = table.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [value, weight] of table) {
        r -= weight;
        if (r < 0) return value;
      }
      return table[table.length - 1]![0];
    },
  };
}

/** A GUID-shaped string derived from the seed (not an RFC 4122 UUID, only its shape). */
export function guid(seed: number, index: number, salt: number): string {
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  const a = hex(hash32(seed, index, salt, 1));
  const b = hex(hash32(seed, index, salt, 2));
  const c = hex(hash32(seed, index, salt, 3));
  const d = hex(hash32(seed, index, salt, 4));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-a${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}
