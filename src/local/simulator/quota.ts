/**
 * Throttling as the two services do it. Resource Graph: a per-principal quota of N queries per
 * sliding window, reported on every answer as `x-ms-user-quota-remaining` and
 * `x-ms-user-quota-resets-after`. ARM (Container Service reads): a per-subscription token bucket
 * reported as `x-ms-ratelimit-remaining-subscription-reads`.
 */

/** `hh:mm:ss`, with a .NET-style 7-digit fraction only when the span is not whole seconds. */
export function formatTimeSpan(ms: number): string {
  const clamped = Math.max(0, ms);
  const totalSeconds = Math.floor(clamped / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const base = [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
  const fractionMs = clamped - totalSeconds * 1000;
  if (fractionMs <= 0) return base;
  // Round up to the 100 ns tick so a client that waits exactly this long is never early.
  const ticks = Math.min(9_999_999, Math.ceil(fractionMs * 10_000));
  return `${base}.${String(ticks).padStart(7, "0")}`;
}

export interface QuotaVerdict {
  allowed: boolean;
  remaining: number;
  resetsAfterMs: number;
}

export class SlidingWindowQuota {
  private readonly windows = new Map<string, number[]>();

  constructor(
    readonly requests: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts the request if the principal has quota left; refused requests are not counted. */
  take(principal: string): QuotaVerdict {
    const now = this.now();
    let stamps = this.windows.get(principal);
    if (!stamps) {
      stamps = [];
      this.windows.set(principal, stamps);
    }
    while (stamps.length > 0 && stamps[0]! + this.windowMs <= now) stamps.shift();
    const allowed = stamps.length < this.requests;
    if (allowed) stamps.push(now);
    const oldest = stamps[0];
    return {
      allowed,
      remaining: Math.max(0, this.requests - stamps.length),
      resetsAfterMs: oldest === undefined ? this.windowMs : oldest + this.windowMs - now,
    };
  }
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    private readonly now: () => number,
  ) {}

  take(key: string): { allowed: boolean; remaining: number; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerSecond)) };
  }
}
