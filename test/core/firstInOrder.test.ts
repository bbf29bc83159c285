import { describe, expect, it } from "vitest";
import { FirstInOrder } from "../../src/core/digest/firstInOrder.js";

const byNumber = (a: number, b: number) => a - b;

describe("FirstInOrder", () => {
  it("keeps the smallest items in order whatever order they arrive in, and counts every one", () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const kept = new FirstInOrder(byNumber, 10);
    for (const v of values) kept.add(v);
    expect(kept.list()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(kept.total).toBe(1000);
  });

  it("keeps equal items in arrival order, and with no bound is the whole list sorted", () => {
    const kept = new FirstInOrder<{ k: number; at: number }>((a, b) => a.k - b.k, 3);
    [5, 1, 1, 3, 1].forEach((k, at) => kept.add({ k, at }));
    expect(kept.list()).toEqual([{ k: 1, at: 1 }, { k: 1, at: 2 }, { k: 1, at: 4 }]);

    const all = new FirstInOrder(byNumber);
    [3, 1, 2].forEach((v) => all.add(v));
    expect(all.list()).toEqual([1, 2, 3]);
    expect(all.total).toBe(3);
  });

  it("with nothing to keep, only counts", () => {
    const none = new FirstInOrder(byNumber, 0);
    none.add(1);
    expect(none.list()).toEqual([]);
    expect(none.total).toBe(1);
  });
});
