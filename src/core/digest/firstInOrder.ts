/**
 * The first `keep` items of a list in a given order, and how many items there were in all, without
 * holding the rest. The streamed digest (fold.ts) folds a run a page at a time and can only ever
 * show the first few clusters of a cause or entries of a change list (limits.ts), so this is what
 * keeps its memory flat however large the fleet is. With `keep` = Infinity it is a sorted list.
 */
export class FirstInOrder<T> {
  private readonly items: T[] = [];
  private count = 0;
  private sorted = true;

  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly keep: number = Number.POSITIVE_INFINITY,
  ) {}

  add(item: T): void {
    this.count += 1;
    if (this.keep <= 0) return;
    if (this.keep === Number.POSITIVE_INFINITY) {
      // Everything is kept: sorting once when asked is cheaper than keeping the list sorted.
      this.items.push(item);
      this.sorted = false;
      return;
    }
    const full = this.items.length >= this.keep;
    if (full && this.compare(item, this.items[this.items.length - 1]!) >= 0) return;
    // Binary search for the first kept item that sorts after this one (stable for equal items).
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.items[mid]!, item) <= 0) low = mid + 1;
      else high = mid;
    }
    this.items.splice(low, 0, item);
    if (full) this.items.pop();
  }

  /** How many items were added, kept or not. */
  get total(): number {
    return this.count;
  }

  /** The kept items, in order (at most `keep`). */
  list(): T[] {
    if (!this.sorted) {
      this.items.sort(this.compare);
      this.sorted = true;
    }
    return [...this.items];
  }
}
