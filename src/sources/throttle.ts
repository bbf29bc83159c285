/**
 * Client-side throttling shared by the Azure adapters. The SDKs retry a 429 only when it carries
 * Retry-After and never read Resource Graph's quota headers, so the adapters slow themselves down
 * from those headers before the service has to refuse them. Each limiter runs as a per-retry
 * pipeline policy, so the SDK's own retries pass through it too.
 */
import type { ResourceGraphClientOptionalParams } from "@azure/arm-resourcegraph";

/** The pipeline policy type the SDK clients accept (derived so no transitive package is imported). */
export type PipelinePolicy = NonNullable<ResourceGraphClientOptionalParams["additionalPolicies"]>[number]["policy"];
type PipelineRequest = Parameters<PipelinePolicy["sendRequest"]>[0];
type HeaderBag = { get(name: string): string | undefined };

export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve()),
};

/** Parses `hh:mm:ss`, `hh:mm:ss.fffffff` or `d.hh:mm:ss` (.NET TimeSpan) into milliseconds. */
export function parseTimeSpan(text: string | undefined | null): number | null {
  if (!text) return null;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!m) return null;
  const [, days, h, min, s, frac] = m;
  const ms = ((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000;
  return ms + (frac ? Number(`0.${frac}`) * 1000 : 0);
}

/** Retry-After as seconds or an HTTP date, or the millisecond variants ARM also sends. */
export function retryAfterMs(headers: HeaderBag | undefined, now: number): number | null {
  if (!headers) return null;
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const v = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(v) && v >= 0) return v;
  }
  const raw = headers.get("retry-after");
  if (raw === undefined) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export interface QuotaLimiterStats {
  waits: number;
  waitedMs: number;
}

/**
 * Resource Graph's per-principal quota (e.g. 15 queries per 5 s). Every answer says how many
 * queries are left and when the window moves on; at zero the next request waits for that moment
 * instead of being refused. Requests are admitted one at a time so concurrent callers cannot all
 * spend the last unit of quota.
 */
export class QuotaLimiter {
  private remaining: number | null = null;
  private resetAt = 0;
  private queue: Promise<void> = Promise.resolve();
  readonly stats: QuotaLimiterStats = { waits: 0, waitedMs: 0 };

  constructor(
    private readonly clock: Clock,
    /** Keeps a little slack for the service's clock and rounding. */
    private readonly marginMs = 25,
  ) {}

  acquire(): Promise<void> {
    const turn = this.queue.then(async () => {
      const now = this.clock.now();
      if (this.remaining !== null && this.remaining <= 0 && now < this.resetAt) {
        const wait = this.resetAt - now + this.marginMs;
        this.stats.waits += 1;
        this.stats.waitedMs += wait;
        await this.clock.sleep(wait);
        // The window has moved on by at least one query; the answer will tell us the rest.
        this.remaining = 1;
      }
      if (this.remaining !== null) this.remaining -= 1;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Records an answer's quota headers. `resets-after` is counted from when the answer arrived,
   * which is never earlier than when the service measured it: a little late (by the answer's
   * transfer time, once per quota window, not per request), but never early into a 429.
   */
  observe(headers: HeaderBag): void {
    const remaining = headers.get("x-ms-user-quota-remaining");
    const text = headers.get("x-ms-user-quota-resets-after");
    const resets = parseTimeSpan(text);
    if (remaining === undefined || resets === null) return;
    const n = Number(remaining);
    if (!Number.isFinite(n)) return;
    this.remaining = n;
    // Azure's documentation shows whole seconds (`00:00:03`), and `00:00:00` with none left is
    // seen when less than a second remains. Assumption: whole-second values are truncated, so with
    // no quota left the window may move on up to a second later than written.
    const wholeSeconds = !text!.includes(".");
    this.resetAt = this.clock.now() + resets + (n <= 0 && wholeSeconds ? 1000 : 0);
  }

  /** Milliseconds until the quota window moves on, when the last answer said none is left. */
  pendingResetMs(): number | null {
    if (this.remaining === null || this.remaining > 0) return null;
    const ms = this.resetAt - this.clock.now();
    return ms > 0 ? ms : null;
  }
}

/** A counting semaphore for bounded concurrency. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

/**
 * ARM's per-subscription read budget (a token bucket: 250, refilled 25/s per principal). It only
 * reports what is left (`x-ms-ratelimit-remaining-subscription-reads`), so near zero requests are
 * spaced by the refill interval; concurrency per subscription is capped as well.
 */
export class SubscriptionLimiter {
  private readonly perSubscription = new Map<string, { gate: Semaphore; remaining: number | null }>();

  constructor(
    private readonly clock: Clock,
    private readonly concurrency = 4,
    private readonly refillPerSecond = 25,
  ) {}

  private entry(subscriptionId: string): { gate: Semaphore; remaining: number | null } {
    const key = subscriptionId.toLowerCase();
    let e = this.perSubscription.get(key);
    if (!e) {
      e = { gate: new Semaphore(this.concurrency), remaining: null };
      this.perSubscription.set(key, e);
    }
    return e;
  }

  /** A per-retry pipeline policy: every ARM attempt waits its turn for its subscription. */
  policy(name = "aksAuditSubscriptionLimiter"): PipelinePolicy {
    return {
      name,
      sendRequest: async (request, next) => {
        const subscriptionId = subscriptionOfUrl(request.url);
        if (!subscriptionId) return next(request);
        const e = this.entry(subscriptionId);
        return e.gate.run(async () => {
          if (e.remaining !== null && e.remaining < 5) {
            // Wait for the bucket to refill a few tokens rather than draining it into a 429.
            await this.clock.sleep(((5 - e.remaining) * 1000) / this.refillPerSecond);
            e.remaining = null;
          }
          const record = (headers: HeaderBag | undefined): void => {
            const raw = headers?.get("x-ms-ratelimit-remaining-subscription-reads");
            if (raw !== undefined && Number.isFinite(Number(raw))) e.remaining = Number(raw);
          };
          try {
            const response = await next(request);
            record(response.headers);
            return response;
          } catch (err) {
            record((err as { response?: { headers: HeaderBag } }).response?.headers);
            throw err;
          }
        });
      },
    };
  }
}

/** The subscription an ARM request URL addresses, if any. */
export function subscriptionOfUrl(url: string): string | null {
  return /\/subscriptions\/([^/?#]+)/i.exec(url)?.[1] ?? null;
}

/** Wraps a per-request limiter as a pipeline policy that sees every attempt, retries included. */
export function limiterPolicy(
  name: string,
  hooks: { before?: (request: PipelineRequest) => Promise<void>; after?: (headers: HeaderBag, status: number) => void },
): PipelinePolicy {
  return {
    name,
    async sendRequest(request, next) {
      await hooks.before?.(request);
      try {
        const response = await next(request);
        hooks.after?.(response.headers, response.status);
        return response;
      } catch (e) {
        const response = (e as { response?: { headers: HeaderBag; status: number } }).response;
        if (response) hooks.after?.(response.headers, response.status);
        throw e;
      }
    },
  };
}

/**
 * Gives every attempt a deadline. The HTTP client reports a deadline it cut as an AbortError, which
 * the SDK never retries and which looks like a caller's cancellation; it is re-thrown here as
 * ETIMEDOUT, so the adapter retries it like any other transient network failure.
 */
export function timeoutPolicy(timeoutMs: number, name = "aksAuditRequestTimeout"): PipelinePolicy {
  return {
    name,
    async sendRequest(request, next) {
      request.timeout = timeoutMs;
      try {
        return await next(request);
      } catch (e) {
        if ((e as { name?: unknown })?.name !== "AbortError" || request.abortSignal?.aborted) throw e;
        throw Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" });
      }
    },
  };
}

/** HTTP status of an SDK error, if it has one. */
export function statusOf(e: unknown): number | undefined {
  const status = (e as { statusCode?: unknown })?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** A readable one-line reason from an SDK error, without payloads or secrets. */
export function describeError(e: unknown): string {
  const err = e as { statusCode?: number; code?: string; message?: string; details?: { error?: { code?: string; message?: string; details?: { message?: string }[] } } };
  const status = typeof err?.statusCode === "number" ? `${err.statusCode} ` : "";
  const body = err?.details?.error;
  const code = body?.code ?? err?.code ?? "";
  let message = body?.message ?? err?.message ?? String(e);
  // Resource Graph puts only "Please provide below info when asking for support: timestamp = …,
  // correlationId = …" in the top message and the reason in details: say the reason, keep the ids.
  const reason = body?.details?.find((d) => typeof d?.message === "string")?.message;
  const support = /^Please provide below info when asking for support:\s*(.*?)\.?$/.exec(message);
  if (support && reason) message = `${reason} (${support[1]})`;
  return `${status}${code}${code ? ": " : ""}${message.replace(/\s+/g, " ").slice(0, 300)}`.trim();
}

/** Transient transport failures (reset, refused, timeout) that are worth another attempt. */
export function isTransientNetworkError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return statusOf(e) === undefined && typeof code === "string" && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|ESOCKETTIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|REQUEST_SEND_ERROR|UND_ERR_SOCKET)$/.test(code);
}
